package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.elasticsearch.ElasticsearchSettings.RepositoryType;
import io.steward.engine.EngineContext;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the elasticsearch: section: defaults, every key, and bad values reported key by key. */
class ElasticsearchSettingsTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ConfigProblems problems = new ConfigProblems();

    private ElasticsearchSettings read(ObjectNode section) {
        Settings settings = new Settings("elasticsearch", section, problems);
        ElasticsearchSettings read = ElasticsearchSettings.read(
                new EngineContext("es1", "10.0.0.1", settings, Path.of("/var/lib/steward"), new MetricRegistry()));
        settings.rejectUnknownKeys();
        return read;
    }

    @Test
    void defaultsServeALocalNodeNamedAfterTheMember() {
        ElasticsearchSettings settings = read(json.createObjectNode());

        assertThat(problems.list()).isEmpty();
        assertThat(settings.url()).isEqualTo(URI.create("http://127.0.0.1:9200"));
        assertThat(settings.nodeName()).isEqualTo("es1");
        assertThat(settings.stopCommand())
                .containsExactly("systemctl", "kill", "--kill-who=main", "--signal=SIGTERM", "elasticsearch");
        assertThat(settings.snapshots()).isEmpty();
        assertThat(settings.jvmOptionsDir()).isEmpty();
    }

    @Test
    void everyKeyIsRead() {
        ObjectNode section = json.createObjectNode()
                .put("url", "http://10.0.0.1:9201/")
                .put("node_name", "node-a")
                .put("request_timeout", "3s")
                .put("stop_command", "kill $(cat /run/es.pid)")
                .put("drain_timeout", "10m")
                .put("jvm_options_dir", "/etc/elasticsearch/jvm.options.d");
        ObjectNode snapshots = section.putObject("snapshots")
                .put("type", "s3")
                .put("every", "1h")
                .put("repository", "backups");
        snapshots.putObject("settings").put("bucket", "es-backups").put("base_path", "prod");
        snapshots
                .putObject("retention")
                .put("expire_after", "30d")
                .put("min_count", 5)
                .put("max_count", 50);

        ElasticsearchSettings settings = read(section);

        assertThat(problems.list()).isEmpty();
        assertThat(settings.url()).isEqualTo(URI.create("http://10.0.0.1:9201"));
        assertThat(settings.nodeName()).isEqualTo("node-a");
        assertThat(settings.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.stopCommand()).containsExactly("/bin/sh", "-c", "kill $(cat /run/es.pid)");
        assertThat(settings.drainTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.jvmOptionsDir()).contains(Path.of("/etc/elasticsearch/jvm.options.d"));
        ElasticsearchSettings.SnapshotSettings snap = settings.snapshots().orElseThrow();
        assertThat(snap.repository()).isEqualTo("backups");
        assertThat(snap.type()).isEqualTo(RepositoryType.S3);
        assertThat(snap.repositorySettings()).isEqualTo(Map.of("bucket", "es-backups", "base_path", "prod"));
        assertThat(snap.every()).contains(Duration.ofHours(1));
        assertThat(snap.retention())
                .isEqualTo(new ElasticsearchSettings.Retention(Optional.of(Duration.ofDays(30)), 5, 50));
    }

    @Test
    void badValuesAreReportedByKey() {
        ObjectNode section = json.createObjectNode()
                .put("url", "ftp://x:21")
                .put("request_timeout", "forever")
                .put("jvm_options_dir", "relative/dir")
                .put("colour", "blue");
        ObjectNode snapshots =
                section.putObject("snapshots").put("type", "hdfs").put("every", "hourly-ish");
        snapshots.putObject("retention").put("min_count", 9).put("max_count", 3).put("keep", "all");

        read(section);

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "elasticsearch.url",
                        "elasticsearch.request_timeout",
                        "elasticsearch.jvm_options_dir",
                        "elasticsearch.colour",
                        "elasticsearch.snapshots.type",
                        "elasticsearch.snapshots.every",
                        "elasticsearch.snapshots.retention.min_count",
                        "elasticsearch.snapshots.retention.keep",
                        // the type fell back to s3, which needs a bucket
                        "elasticsearch.snapshots.settings.bucket");
        assertThat(problems.list())
                .filteredOn(p -> p.key().equals("elasticsearch.snapshots.type"))
                .extracting(ConfigProblem::allowed)
                .first()
                .asString()
                .contains("s3")
                .contains("fs");
    }

    @Test
    void credentialsComeInPairsAndNeedHttpsAcrossTheNetwork() {
        ElasticsearchSettings local =
                read(json.createObjectNode().put("username", "steward").put("password", "s3cret"));
        assertThat(problems.list()).isEmpty();
        assertThat(local.credentials()).contains(new ElasticsearchSettings.Credentials("steward", "s3cret"));
        assertThat(local.credentials().orElseThrow().toString()).doesNotContain("s3cret");

        read(json.createObjectNode().put("username", "steward"));
        read(json.createObjectNode()
                .put("url", "http://10.0.0.9:9200")
                .put("username", "u")
                .put("password", "p"));

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactly("elasticsearch.password", "elasticsearch.url");
    }

    @Test
    void aFsRepositoryNeedsItsLocation() {
        read(json.createObjectNode().set("snapshots", json.createObjectNode().put("type", "fs")));

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactly("elasticsearch.snapshots.settings.location");
    }

    @Test
    void aUrlWithAPathIsRefused() {
        read(json.createObjectNode().put("url", "http://127.0.0.1:9200/es"));

        assertThat(problems.list()).extracting(ConfigProblem::value).containsExactly("http://127.0.0.1:9200/es");
    }

    @Test
    void caFileIsReadAtOnceAndOnlyForHttps(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("http_ca.crt"), "not a certificate\n");

        read(json.createObjectNode().put("url", "https://10.0.0.1:9200").put("ca_file", notPem.toString()));
        read(json.createObjectNode()
                .put("url", "https://10.0.0.1:9200")
                .put("ca_file", dir.resolve("absent.crt").toString()));
        read(json.createObjectNode().put("url", "http://127.0.0.1:9200").put("ca_file", notPem.toString()));
        read(json.createObjectNode().put("url", "https://10.0.0.1:9200").put("ca_file", "certs/http_ca.crt"));

        String allowed = "an absolute path to the PEM file of the CA that signed the node's HTTPS certificate, "
                + "e.g. /etc/elasticsearch/certs/http_ca.crt";
        assertThat(problems.list())
                .extracting(ConfigProblem::toString)
                .satisfiesExactly(
                        notPemProblem -> assertThat(notPemProblem)
                                .startsWith("elasticsearch.ca_file: '" + notPem + "' is not valid; " + allowed
                                        + "; this file holds no"),
                        absent -> assertThat(absent)
                                .startsWith("elasticsearch.ca_file: '" + dir.resolve("absent.crt") + "' is not valid; "
                                        + allowed + "; this file cannot be read: "),
                        plain -> assertThat(plain)
                                .isEqualTo("elasticsearch.ca_file: '" + notPem + "' is not valid; absent unless "
                                        + "url is https:// (http://127.0.0.1:9200 is not)"),
                        relative -> assertThat(relative)
                                .isEqualTo("elasticsearch.ca_file: 'certs/http_ca.crt' is not valid; " + allowed));
    }
}
