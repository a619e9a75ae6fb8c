package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.engine.DumpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Collections;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every file the agent (root) reads or writes in Redis's data directory, replaced by Redis's user with a link to a
 * root-only file: refused with the file's name, and nothing of the root-only file is copied into the data directory
 * or handed over. A dump.rdb that is a hard link (to a root-only file, or with a second name elsewhere) is refused
 * too, when it is opened for an upload.
 */
@Timeout(30)
@Tag("root")
class RedisDataDirectoryLinkTest {
    private Path root;
    private Path dataDir;
    private Path secret;
    private String marker;
    private String secretContent;
    private UserPrincipal redis;
    private RedisDataDirectory directory;

    @BeforeEach
    void dataDirectory() throws IOException {
        root = Files.createTempDirectory("steward-redis-links-");
        dataDir = Files.createDirectory(root.resolve("data"));
        marker = "ROOT-ONLY-" + UUID.randomUUID();
        secretContent = marker + "\n";
        secret = Files.writeString(root.resolve("secret"), secretContent);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        redis = dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("redis");
        Files.setOwner(dataDir, redis);
        directory = new RedisDataDirectory(dataDir, "redis");
    }

    @AfterEach
    void remove() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"steward-redis.conf", "steward-member", "dump.rdb"})
    void aFileTheAgentWritesReplacedByALinkToARootOnlyFileIsRefusedByName(String name) throws IOException {
        Path link = linkToTheSecret(name);

        assertThatThrownBy(() -> write(name)).hasMessageContaining(dataDir.resolve(name) + " is a symbolic link");

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertTheSecretIsIntactAndNowhereElse();
    }

    /** Names a writer could use for its temporary copy (earlier versions used fixed ones): never written through. */
    @ParameterizedTest
    @CsvSource({
        "steward-redis.conf, steward-redis.conf.tmp",
        "steward-member, steward-member.tmp",
        "dump.rdb, .dump.rdb.restoring"
    })
    void aLinkWhereATemporaryCopyCouldGoIsNotWrittenThrough(String name, String temporary) throws IOException {
        linkToTheSecret(temporary);

        write(name);

        assertThat(dataDir.resolve(name)).isRegularFile();
        assertThat(Files.getOwner(dataDir.resolve(name)).getName()).isEqualTo("redis");
        assertTheSecretIsIntactAndNowhereElse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis.pid", "redis.log", "dump.rdb"})
    void aFileTheAgentReadsReplacedByALinkToARootOnlyFileIsRefusedByName(String name) throws IOException {
        secretContent = "4242\n" + marker + "\n";
        Files.writeString(secret, secretContent);
        linkToTheSecret(name);

        assertThatThrownBy(() -> read(name)).hasMessageContaining(dataDir.resolve(name) + " is a symbolic link");
        assertThat(directory.logTailForMessages()).doesNotContain(marker);
        assertTheSecretIsIntactAndNowhereElse();
    }

    @Test
    void aDumpThatIsAHardLinkToARootOnlyFileIsNotHandedOver() throws IOException {
        // what Redis's user can make where fs.protected_hardlinks is off
        Files.createLink(dataDir.resolve(RedisDataDirectory.RDB_FILE), secret);

        assertThatThrownBy(() -> directory.openDump(false))
                .hasMessageContaining(dataDir.resolve("dump.rdb") + " belongs to user id 0, not to redis");
    }

    @Test
    void aDumpWithASecondNameIsNotHandedOver() throws IOException {
        Path elsewhere = Files.writeString(root.resolve("elsewhere.rdb"), "REDIS0011");
        Files.setOwner(elsewhere, redis);
        Files.createLink(dataDir.resolve(RedisDataDirectory.RDB_FILE), elsewhere);

        assertThatThrownBy(() -> directory.openDump(false))
                .hasMessageContaining(dataDir.resolve("dump.rdb") + " has 2 hard links");
    }

    @Test
    void aDumpOfRedisIsHandedOverOpenAndKeepsItsContentWhenANewOneIsRenamedOverIt() throws IOException {
        Path dump = Files.writeString(dataDir.resolve(RedisDataDirectory.RDB_FILE), "REDIS0011 first");
        Files.setOwner(dump, redis);

        try (DumpFile opened = directory.openDump(false)) {
            Path newer = Files.writeString(dataDir.resolve("temp-1.rdb"), "REDIS0011 second, longer");
            Files.move(newer, dump, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

            assertThat(opened.size()).isEqualTo("REDIS0011 first".length());
            assertThat(new String(opened.content().readAllBytes())).isEqualTo("REDIS0011 first");
        }
    }

    /** Redis's user replacing {@code name} with a link to the root-only file, the link as that user leaves it. */
    private Path linkToTheSecret(String name) throws IOException {
        Path link = Files.createSymbolicLink(dataDir.resolve(name), secret);
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setOwner(redis);
        return link;
    }

    /** What the agent does that writes {@code name}. */
    private void write(String name) throws IOException {
        Path restored = Files.writeString(root.resolve("fetched.rdb"), "REDIS0011 from the archive");
        switch (name) {
            case "steward-member" -> directory.markMember();
            case "dump.rdb" -> directory.restoreDump(restored);
            default -> directory.writeConfig("port 6379\n");
        }
    }

    /** What the agent does that reads {@code name}. */
    private void read(String name) throws IOException {
        switch (name) {
            case "redis.pid" -> directory.serverPid();
            case "redis.log" -> directory.logTail();
            default -> directory.openDump(false).close();
        }
    }

    private void assertTheSecretIsIntactAndNowhereElse() throws IOException {
        assertThat(Files.readString(secret)).isEqualTo(secretContent);
        assertThat(Files.getOwner(secret).getName()).isEqualTo("root");
        try (Stream<Path> files = Files.list(dataDir)) {
            for (Path file : files.filter(file -> !Files.isSymbolicLink(file)).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(marker);
            }
        }
    }
}
