package io.steward.elasticsearch;

import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.settings.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code elasticsearch:} section. One section serves Elasticsearch 7/8/9 and OpenSearch 1/2/3: the agent speaks
 * only REST calls that all of them answer the same way.
 *
 * @param url where the local node's HTTP API answers (only {@code http}/{@code https}, no path)
 * @param nodeName the local node's {@code node.name}; allocation exclusion is by name
 * @param requestTimeout per REST call
 * @param stopCommand run after the drain to stop the node (the agent does not own the node's process)
 * @param drainTimeout how long a stop waits for the node's shards to move away before stopping it anyway
 * @param jvmOptionsDir where the heap file is written at launch; empty: heap left to the node's own configuration
 * @param snapshots the snapshot repository and schedule; empty when not configured
 * @param credentials user and password for HTTP basic authentication (Elasticsearch 8+ and secured OpenSearch);
 *        empty for none
 * @param caCertificates the authorities an https node's certificate must chain to ({@code ca_file}); empty: the JDK's
 *        public ones
 */
public record ElasticsearchSettings(
        URI url,
        String nodeName,
        Duration requestTimeout,
        List<String> stopCommand,
        Duration drainTimeout,
        Optional<Path> jvmOptionsDir,
        Optional<SnapshotSettings> snapshots,
        Optional<Credentials> credentials,
        List<X509Certificate> caCertificates) {
    public ElasticsearchSettings {
        caCertificates = List.copyOf(caCertificates);
    }

    /** Basic authentication; the password is never printed. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    /**
     * SIGTERM to the node's main process without a stop job: at shutdown Steward's unit stops first (it drains the node
     * while it answers), and a {@code systemctl stop} run from its stop would wait for that very stop to end.
     * Elastic's unit counts the exit after SIGTERM as a success.
     */
    static final List<String> DEFAULT_STOP_COMMAND =
            List.of("systemctl", "kill", "--kill-who=main", "--signal=SIGTERM", "elasticsearch");

    /** The kinds of snapshot repository Steward registers: S3 in production, a shared folder for tests. */
    public enum RepositoryType {
        S3,
        FS
    }

    /**
     * @param repository the name the repository is registered under
     * @param type {@code s3} or {@code fs}
     * @param repositorySettings passed to the repository as they are ({@code bucket}, {@code base_path}, {@code location}...)
     * @param every how often the scheduled snapshot is taken; empty: only on demand
     * @param retention which snapshots the schedule deletes
     */
    public record SnapshotSettings(
            String repository,
            RepositoryType type,
            Map<String, String> repositorySettings,
            Optional<Duration> every,
            Retention retention) {
        public SnapshotSettings {
            repositorySettings = Map.copyOf(repositorySettings);
        }
    }

    /**
     * Elasticsearch's SLM retention rules: a snapshot older than {@code expireAfter} goes, unless fewer than
     * {@code minCount} would be left; beyond {@code maxCount} the oldest go whatever their age.
     */
    public record Retention(Optional<Duration> expireAfter, int minCount, int maxCount) {}

    /** Reads and validates the section; every problem is recorded in the context's settings, nothing is thrown. */
    public static ElasticsearchSettings read(EngineContext context) {
        Settings settings = context.settings();
        URI url = url(settings);
        String nodeName = settings.string("node_name", context.memberName());
        Duration requestTimeout = settings.duration(
                "request_timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5));
        List<String> stopCommand = settings.optionalString("stop_command")
                .map(text -> List.of("/bin/sh", "-c", text))
                .orElse(DEFAULT_STOP_COMMAND);
        Duration drainTimeout =
                settings.duration("drain_timeout", Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofDays(1));
        Optional<Path> jvmOptionsDir =
                settings.optionalString("jvm_options_dir").map(Path::of);
        jvmOptionsDir
                .filter(dir -> !dir.isAbsolute())
                .ifPresent(dir -> settings.problems()
                        .add(
                                settings.keyPath("jvm_options_dir"),
                                dir,
                                "an absolute path (e.g. /etc/elasticsearch/jvm.options.d)"));
        Optional<SnapshotSettings> snapshots =
                settings.has("snapshots") ? Optional.of(snapshots(settings.section("snapshots"))) : Optional.empty();
        Optional<String> username = settings.optionalString("username");
        Optional<String> password = settings.optionalString("password");
        if (username.isPresent() != password.isPresent()) {
            String missing = username.isPresent() ? "password" : "username";
            settings.problems()
                    .add(
                            settings.keyPath(missing),
                            null,
                            "set together with " + (username.isPresent() ? "username" : "password")
                                    + " (HTTP basic authentication)");
        }
        Optional<Credentials> credentials =
                username.flatMap(user -> password.map(secret -> new Credentials(user, secret)));
        if (credentials.isPresent()
                && "http".equals(url.getScheme())
                && !Endpoint.localConnectHost(url.getHost()).startsWith("127.")
                && !url.getHost().equals("localhost")) {
            settings.problems()
                    .add(
                            settings.keyPath("url"),
                            url,
                            "https:// when a password is set and the node is not "
                                    + "on this machine (the password would cross the network in clear)");
        }
        return new ElasticsearchSettings(
                url,
                nodeName,
                requestTimeout,
                stopCommand,
                drainTimeout,
                jvmOptionsDir,
                snapshots,
                credentials,
                caCertificates(settings, url));
    }

    private static List<X509Certificate> caCertificates(Settings settings, URI url) {
        Optional<String> caFile = settings.optionalString("ca_file");
        if (caFile.isEmpty()) {
            return List.of();
        }
        String allowed = "an absolute path to the PEM file of the CA that signed the node's HTTPS certificate, "
                + "e.g. /etc/elasticsearch/certs/http_ca.crt";
        if (!"https".equals(url.getScheme())) {
            settings.problems()
                    .add(
                            settings.keyPath("ca_file"),
                            caFile.get(),
                            "absent unless url is https:// (" + url + " is not)");
            return List.of();
        }
        Path path = Path.of(caFile.get());
        if (!path.isAbsolute()) {
            settings.problems().add(settings.keyPath("ca_file"), caFile.get(), allowed);
            return List.of();
        }
        try {
            return CaCertificates.read(path);
        } catch (IllegalArgumentException e) {
            settings.problems()
                    .add(settings.keyPath("ca_file"), caFile.get(), allowed + "; this file " + e.getMessage());
            return List.of();
        }
    }

    private static URI url(Settings settings) {
        URI fallback = URI.create("http://127.0.0.1:9200");
        Optional<String> given = settings.optionalString("url");
        if (given.isEmpty()) {
            return fallback;
        }
        String allowed = "an http:// or https:// address of the local node without a path, e.g. http://127.0.0.1:9200";
        try {
            URI uri = new URI(given.get());
            boolean plain = (uri.getPath() == null
                            || uri.getPath().isEmpty()
                            || uri.getPath().equals("/"))
                    && uri.getQuery() == null
                    && uri.getHost() != null;
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && plain) {
                return URI.create(
                        uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        settings.problems().add(settings.keyPath("url"), given.get(), allowed);
        return fallback;
    }

    private static SnapshotSettings snapshots(Settings section) {
        String repository = section.string("repository", "steward");
        RepositoryType type = section.choice("type", RepositoryType.class, RepositoryType.S3);
        Map<String, String> repositorySettings = section.stringMap("settings");
        String required = type == RepositoryType.S3 ? "bucket" : "location";
        if (!repositorySettings.containsKey(required)) {
            section.problems()
                    .add(
                            section.keyPath("settings." + required),
                            null,
                            type == RepositoryType.S3
                                    ? "the S3 bucket of the snapshot repository (base_path optional)"
                                    : "the shared folder of the fs repository, listed in every node's path.repo");
        }
        Optional<Duration> every = section.has("every")
                ? Optional.of(
                        section.duration("every", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(31)))
                : Optional.empty();
        Settings retentionSection = section.section("retention");
        Optional<Duration> expireAfter = retentionSection.has("expire_after")
                ? Optional.of(retentionSection.duration(
                        "expire_after", Duration.ofDays(30), Duration.ofSeconds(1), Duration.ofDays(3650)))
                : Optional.empty();
        int minCount = retentionSection.integer("min_count", 1, 0, 10_000);
        int maxCount = retentionSection.integer("max_count", 100, 1, 10_000);
        if (minCount > maxCount) {
            retentionSection
                    .problems()
                    .add(retentionSection.keyPath("min_count"), minCount, "at most max_count (" + maxCount + ")");
        }
        retentionSection.rejectUnknownKeys();
        section.rejectUnknownKeys();
        return new SnapshotSettings(
                repository, type, repositorySettings, every, new Retention(expireAfter, minCount, maxCount));
    }
}
