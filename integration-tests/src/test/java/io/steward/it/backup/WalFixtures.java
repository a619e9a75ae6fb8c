package io.steward.it.backup;

import io.steward.it.LocalCluster;
import io.steward.it.acceptance.InstalledSteward;
import io.steward.it.aws.S3TestServer;
import io.steward.store.BackupStoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

/** WAL-like files, configurations and the installed command line for the archive tests. */
public final class WalFixtures {
    static final String CLUSTER = "walit";

    public record Run(int exitCode, String out, String err) {}

    private WalFixtures() {}

    /** The name PostgreSQL gives segment {@code number} of {@code timeline} with 16 MiB segments. */
    static String segmentName(int timeline, long number) {
        return String.format("%08X%08X%08X", timeline, number / 256, number % 256);
    }

    /**
     * Writes a file that compresses about as WAL does: 64-byte records, three in four repetitive, one in four
     * random. The seed makes each file's content its own.
     */
    static Path writeWalLike(Path file, int size, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] data = new byte[size];
        byte[] record = new byte[64];
        for (int i = 0; i < size; i += record.length) {
            if (random.nextInt(4) == 0) {
                random.nextBytes(record);
            } else {
                Arrays.fill(record, (byte) random.nextInt(8));
            }
            System.arraycopy(record, 0, data, i, Math.min(record.length, size - i));
        }
        return Files.write(file, data);
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static BackupStoreConfig config(
            URI endpoint,
            String bucket,
            BackupStoreConfig.Compression compression,
            int maxAttempts,
            Duration attemptTimeout) {
        return new BackupStoreConfig(
                bucket,
                "steward",
                compression,
                BackupStoreConfig.Encryption.AES256,
                Optional.empty(),
                Optional.of(endpoint),
                true,
                Optional.of(S3TestServer.REGION),
                maxAttempts,
                attemptTimeout);
    }

    /**
     * A whole agent configuration (the CLI loads all of it, as the agent would) with {@code storeSection} as the
     * body of {@code backup.store}, each line indented by four spaces.
     */
    static Path configFile(Path dir, String storeSection) throws IOException {
        return configFile(dir, storeSection, "");
    }

    /** As {@link #configFile(Path, String)}, with {@code walSection} as the body of {@code backup.wal}. */
    static Path configFile(Path dir, String storeSection, String walSection) throws IOException {
        String yaml = String.join(
                "\n",
                "cluster: " + CLUSTER,
                "engine: postgresql",
                "node:",
                "  name: n1",
                "  host: 127.0.0.1",
                "  state_dir: " + dir.resolve("state"),
                "zookeeper:",
                "  connect: 127.0.0.1:2181",
                "  digest_user: steward",
                "  digest_password: it-zookeeper-secret",
                "aws:",
                "  imds: off",
                "postgresql:",
                "  bin_dir: " + LocalCluster.PG_BIN,
                "  data_dir: " + dir.resolve("data"),
                "  port: 5432",
                "  socket_dir: " + dir.resolve("run"),
                "  superuser_password: it-superuser",
                "  replication_password: it-replication",
                "backup:",
                "  store:",
                indented(storeSection),
                walSection.isBlank() ? "" : "  wal:\n" + indented(walSection),
                "");
        return Files.writeString(dir.resolve("steward-" + Integer.toHexString(yaml.hashCode()) + ".yml"), yaml);
    }

    private static String indented(String section) {
        return section.strip().lines().map(line -> "    " + line).collect(Collectors.joining("\n"));
    }

    /**
     * The {@code store:} keys indented to sit under {@code backup:  store:} in an agent's configuration, with attempts
     * patient enough for an agent that also takes snapshot sets.
     */
    public static String nestedStoreSection(URI endpoint, String bucket) {
        return indented(storeSection(endpoint, bucket).replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
    }

    /** The {@code backup.store} section (unindented) for archives in {@code bucket} of the S3 test server, short timeouts. */
    public static String storeSection(URI endpoint, String bucket) {
        return String.join(
                "\n",
                "bucket: " + bucket,
                "endpoint: " + endpoint,
                "path_style: true",
                "region: " + S3TestServer.REGION,
                "max_attempts: 2",
                "attempt_timeout: 1s");
    }

    public static Run cli(String... args) {
        try {
            // the AWS test servers' keys, as an operator's environment or instance profile would hold them
            InstalledSteward.CliRun run = InstalledSteward.shared()
                    .run(
                            Map.of(
                                    "AWS_ACCESS_KEY_ID",
                                    S3TestServer.ACCESS_KEY,
                                    "AWS_SECRET_ACCESS_KEY",
                                    S3TestServer.SECRET_KEY),
                            "",
                            List.of(args));
            return new Run(run.exitCode(), run.out(), run.err());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
