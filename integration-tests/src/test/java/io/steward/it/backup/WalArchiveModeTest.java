package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.testing.LoopFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 18: PostgreSQL archives nothing while archive_mode is off, its default. A node given an archive_command has
 * archive_mode set by Steward, and reports its archive in {@code GET /health} whichever way archive_mode is spelt.
 */
class WalArchiveModeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aNodeWithAnArchiveCommandButNoArchiveModeArchivesItsWal() throws Exception {
        archivesAndReports("walmode", "");
    }

    /** YAML 1.1 reads an unquoted on as the boolean true, which was written 'true' and not recognised as archiving. */
    @Test
    void archiveModeOnUnquotedIsReportedInHealth() throws Exception {
        archivesAndReports("walmodeon", "    archive_mode: on\n");
    }

    /** A one-node cluster with {@code archiveModeLine} in its parameters archives a segment it switched out of. */
    private void archivesAndReports(String bucket, String archiveModeLine) throws Exception {
        Path scripts = Files.createTempDirectory(Path.of("/tmp"), "steward-walmode-");
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket(bucket);
            String storeSection = WalFixtures.storeSection(s3.endpoint(), bucket);
            Path script = StewardScript.install(
                    scripts,
                    WalFixtures.configFile(scripts, storeSection),
                    Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY));
            String socket = LocalCluster.NODE_DIR + "/walsock/wal.sock";
            String extraYaml = archiveModeLine
                    + String.join(
                            "\n",
                            "    archive_command: '" + script + " wal-push %p --socket " + socket + "'",
                            "backup:",
                            "  store:",
                            storeSection
                                    .lines()
                                    .map(line -> "    " + line)
                                    .reduce((a, b) -> a + "\n" + b)
                                    .orElseThrow(),
                            "  wal:",
                            "    socket: " + socket);
            LocalCluster.Options options = LocalCluster.Options.defaults()
                    .withNodes(1)
                    .withExtraYaml(extraYaml)
                    .withEnvironment(Map.of(
                            "AWS_ACCESS_KEY_ID",
                            S3TestServer.ACCESS_KEY,
                            "AWS_SECRET_ACCESS_KEY",
                            S3TestServer.SECRET_KEY));
            try (LocalCluster cluster = LocalCluster.start(options)) {
                Node primary = cluster.awaitPrimary();
                assertThat(primary.queryOne("SHOW archive_mode")).isEqualTo("on");
                execute(primary, "CREATE TABLE t AS SELECT md5(g::text) AS payload FROM generate_series(1, 1000) g");
                String segment = primary.queryOne("SELECT pg_walfile_name(pg_switch_wal())");

                await("the segment archived, as GET /health says")
                        .atMost(PATIENCE)
                        .until(() ->
                                archive(primary).path("lastArchived").asText("").compareTo(segment) >= 0);
                assertThat(s3.client().listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream()
                                .map(S3Object::key))
                        .anyMatch(key -> key.endsWith("/" + segment));
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", scripts.toString());
        }
    }

    private static void execute(Node node, String sql) throws SQLException {
        try (Connection db = node.connect();
                Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private JsonNode archive(Node node) throws Exception {
        return json.readTree(node.get("/health").orElseThrow().body()).path("archive");
    }
}
