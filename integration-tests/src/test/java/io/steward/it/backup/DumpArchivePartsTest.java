package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.backup.ArchivedDump;
import io.steward.backup.DumpArchive;
import io.steward.backup.DumpException;
import io.steward.backup.DumpPolicy;
import io.steward.config.RetentionClass;
import io.steward.engine.DumpName;
import io.steward.it.aws.S3TestServer;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Dumps larger than a part go to a real S3 endpoint (s3proxy) as multipart uploads: the object has the parts, the
 * checksum metadata and the encryption of a single PUT, comes back identical, is never overwritten, and a refused
 * upload leaves no parts behind.
 */
@Timeout(120)
class DumpArchivePartsTest {
    private static final String BUCKET = "dumpparts";
    private static final long MIB = 1024 * 1024;
    private S3TestServer s3;

    @TempDir
    Path dir;

    /**
     * A server for each test: the JDK keeps idle connections per address across clients, and a later test reusing
     * one the server has meanwhile closed would fail its first upload (the SDK does not retry that failure).
     */
    @BeforeEach
    void startS3() throws Exception {
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        S3TestServer.lendCredentialsToThisJvm();
    }

    @AfterEach
    void stopS3() throws Exception {
        S3TestServer.withdrawCredentialsFromThisJvm();
        s3.close();
    }

    private BackupStoreConfig config() {
        return WalFixtures.config(s3.endpoint(), BUCKET, BackupStoreConfig.Compression.ZSTD, 2, Duration.ofSeconds(30));
    }

    /** Random bytes, which zstd cannot shrink: the stored object stays larger than two parts. */
    private Path incompressible(String file, long size, long seed) throws Exception {
        byte[] data = new byte[(int) size];
        new Random(seed).nextBytes(data);
        return Files.write(dir.resolve(file), data);
    }

    @Test
    void aDumpLargerThanAPartGoesUpInPartsAndComesBackIdentical() throws Exception {
        Path file = incompressible("dump.rdb", 12 * MIB + 123, 1);
        DumpName name = new DumpName(Instant.parse("2026-12-02T08:00:00.123Z"), "redis1", "rdb");
        try (S3Client client = S3Clients.create(config())) {
            DumpArchive archive = new DumpArchive(client, config(), new ArchiveLayout("steward", "parts"), 5 * MIB);

            String key = push(archive, file, name);

            HeadObjectResponse head =
                    s3.client().headObject(r -> r.bucket(BUCKET).key(key));
            assertThat(head.eTag())
                    .as("the ETag S3 gives an object made of three parts")
                    .endsWith("-3\"");
            assertThat(head.metadata()).containsKeys("steward-sha256", "steward-size", "steward-compression");
            assertThat(head.serverSideEncryptionAsString())
                    .as("SSE asked for, as for a single PUT")
                    .isEqualTo("AES256");
            assertThat(head.contentLength()).isGreaterThan(10 * MIB);
            Path restored = dir.resolve("restored.rdb");
            archive.fetch(only(archive), restored);
            assertThat(WalFixtures.sha256(restored)).isEqualTo(WalFixtures.sha256(file));
            assertThat(openUploads()).isEmpty();
        }
    }

    @Test
    void aSecondDumpOfTheSameNameIsRefusedAbortedAndTheFirstStaysIntact() throws Exception {
        Path first = incompressible("first.rdb", 11 * MIB, 2);
        Path second = incompressible("second.rdb", 11 * MIB, 3);
        DumpName name = new DumpName(Instant.parse("2026-12-02T09:00:00.456Z"), "redis1", "rdb");
        try (S3Client client = S3Clients.create(config())) {
            DumpArchive archive = new DumpArchive(client, config(), new ArchiveLayout("steward", "twice"), 5 * MIB);
            push(archive, first, name);

            assertThatThrownBy(() -> push(archive, second, name))
                    .isInstanceOf(DumpException.class)
                    .hasMessageContaining("could not archive dump " + name)
                    .hasMessageContaining("Status Code: 412");

            assertThat(openUploads()).as("the refused upload's parts are gone").isEmpty();
            Path restored = dir.resolve("restored.rdb");
            archive.fetch(only(archive), restored);
            assertThat(WalFixtures.sha256(restored)).isEqualTo(WalFixtures.sha256(first));
        }
    }

    private static String push(DumpArchive archive, Path file, DumpName name) throws IOException {
        try (InputStream content = Files.newInputStream(file)) {
            return archive.push(content, name);
        }
    }

    private static ArchivedDump only(DumpArchive archive) {
        List<ArchivedDump> dumps = DumpPolicy.classify(archive.list(), RetentionClass.completed(Map.of()));
        assertThat(dumps).hasSize(1);
        return dumps.get(0);
    }

    private List<String> openUploads() {
        return s3.client().listMultipartUploads(r -> r.bucket(BUCKET)).uploads().stream()
                .map(u -> u.key())
                .toList();
    }
}
