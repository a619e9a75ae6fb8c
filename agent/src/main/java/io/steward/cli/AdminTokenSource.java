package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the CLI finds the admin token, first match wins: {@code --token-file}, the {@code STEWARD_ADMIN_TOKEN}
 * environment variable, or {@code admin.token_file} of the agent's configuration file when this user can read both.
 * Never the command line: what is there shows in {@code ps} and {@code /proc/PID/cmdline} to every user.
 */
final class AdminTokenSource {
    static final String ENVIRONMENT_VARIABLE = "STEWARD_ADMIN_TOKEN";
    private static final Set<PosixFilePermission> OTHERS_READ =
            EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

    private AdminTokenSource() {}

    /**
     * @param tokenFile {@code --token-file}, when given
     * @param configFile the agent's configuration, for its {@code admin.token_file}
     * @throws IllegalArgumentException when a file that must hold the token cannot be used, saying why
     */
    static Optional<String> find(Optional<Path> tokenFile, Map<String, String> environment, Path configFile) {
        if (tokenFile.isPresent()) {
            return Optional.of(read(tokenFile.get(), "--token-file"));
        }
        Optional<String> fromEnvironment = Optional.ofNullable(environment.get(ENVIRONMENT_VARIABLE))
                .map(String::strip)
                .filter(token -> !token.isEmpty());
        if (fromEnvironment.isPresent()) {
            return fromEnvironment;
        }
        return configuredTokenFile(configFile)
                .filter(Files::isReadable)
                .map(file -> read(file, "admin.token_file in " + configFile));
    }

    /** {@code admin.token_file} of a configuration file this user can read; empty when it cannot, or names none. */
    private static Optional<Path> configuredTokenFile(Path configFile) {
        if (!Files.isReadable(configFile)) {
            return Optional.empty();
        }
        try {
            JsonNode tokenFile =
                    new YAMLMapper().readTree(configFile.toFile()).path("admin").path("token_file");
            return tokenFile.isTextual() ? Optional.of(Path.of(tokenFile.textValue())) : Optional.empty();
        } catch (IOException e) {
            // The agent reports a broken configuration file itself; without it the CLI simply has no token.
            return Optional.empty();
        }
    }

    /** The token in a regular file (not a link) that only its owner can read, without its final line break. */
    private static String read(Path file, String what) {
        try {
            PosixFileAttributes attributes =
                    Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                throw new IllegalArgumentException(what + " " + file + " is not a regular file");
            }
            if (attributes.permissions().stream().anyMatch(OTHERS_READ::contains)) {
                throw new IllegalArgumentException(what + " " + file + " has mode "
                        + PosixFilePermissions.toString(attributes.permissions())
                        + ": a token file must be readable by its owner alone (chmod 600)");
            }
            String token;
            try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                token = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (token.isEmpty()) {
                throw new IllegalArgumentException(what + " " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
