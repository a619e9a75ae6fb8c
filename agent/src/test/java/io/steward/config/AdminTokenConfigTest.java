package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin.token} and {@code admin.token_file}: long enough to resist guessing, and a file only root reads. */
@Timeout(60)
class AdminTokenConfigTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void theTokenComesFromAFileOnlyTheAgentsUserCanRead() throws IOException {
        Path token = secretFile("admin-token", TOKEN + "\n", "rw-------");

        assertThat(load(Map.of("admin.token_file", token.toString())).admin().token())
                .contains(TOKEN);
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedNamingTheKey() throws IOException {
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw-rw-rw-"}) {
            Path token = secretFile("admin-token-" + mode, TOKEN, mode);

            assertThatThrownBy(() -> load(Map.of("admin.token_file", token.toString())))
                    .as("mode %s", mode)
                    .hasMessageContaining("admin.token_file")
                    .hasMessageContaining("readable by it alone (chmod 600): it holds a secret")
                    .hasMessageContaining("this one has mode " + mode);
        }
    }

    @Test
    void aTokenShorterThan32CharactersIsRefusedWithoutShowingIt() throws IOException {
        String shortToken = TOKEN.substring(1);

        assertThatThrownBy(() -> load(Map.of("admin.token", shortToken)))
                .hasMessageContaining("admin.token")
                .hasMessageContaining("at least 32 characters")
                .hasMessageContaining("this one has 31")
                .hasMessageNotContaining(shortToken);
        Path file = secretFile("short-token", shortToken, "rw-------");
        assertThatThrownBy(() -> load(Map.of("admin.token_file", file.toString())))
                .hasMessageContaining("admin.token_file")
                .hasMessageContaining("at least 32 characters");
        assertThat(load(Map.of("admin.token", TOKEN)).admin().token()).contains(TOKEN);
    }

    @Test
    void theTokenAndItsFileAreOneOrTheOther() throws IOException {
        Path token = secretFile("admin-token", TOKEN, "rw-------");

        assertThatThrownBy(() -> load(Map.of("admin.token", TOKEN, "admin.token_file", token.toString())))
                .hasMessageContaining("admin.token_file")
                .hasMessageContaining("absent when token is set: one or the other");
    }

    private StewardConfig load(Map<String, String> overrides) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), ConfigLoaderTest.VALID_YAML);
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, Map.of(), overrides));
    }

    private Path secretFile(String name, String content, String mode) throws IOException {
        Path file = Files.writeString(dir.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
