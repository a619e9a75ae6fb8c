package io.steward.config;

import io.steward.settings.ProtectedFiles;
import io.steward.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Binds the {@code admin:} section: where the API listens, its token, its limits, TLS. */
final class AdminSettings {
    private AdminSettings() {}

    static AdminConfig bind(Settings admin) {
        String address = admin.string("address", "127.0.0.1");
        if (!ConfigBinder.isHost(address)) {
            admin.problems().add(admin.keyPath("address"), address, ConfigBinder.HOST_ALLOWED + " to listen on");
        }
        int port = admin.integer("port", 8008, 0, 65535);
        Optional<String> token = token(admin);
        Duration requestTimeout = admin.duration(
                "request_timeout", AdminConfig.DEFAULT_REQUEST_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10));
        int maxConnections = admin.integer("max_connections", AdminConfig.DEFAULT_MAX_CONNECTIONS, 16, 65536);
        Optional<AdminConfig.Tls> tls = admin.has("tls") ? tls(admin.section("tls")) : Optional.empty();
        admin.rejectUnknownKeys();
        return new AdminConfig(address, port, token, tls, requestTimeout, maxConnections);
    }

    /** {@code admin.token} or {@code admin.token_file}; a token short enough to guess is refused, naming the key. */
    private static Optional<String> token(Settings admin) {
        Optional<String> token = admin.secret("token");
        token.filter(text -> text.length() < AdminConfig.MIN_TOKEN_LENGTH)
                .ifPresent(text -> admin.problems()
                        .add(
                                admin.keyPath(admin.has("token_file") ? "token_file" : "token"),
                                "(hidden)",
                                "a token of at least "
                                        + AdminConfig.MIN_TOKEN_LENGTH
                                        + " characters (e.g. from openssl rand -hex 32): a short one can "
                                        + "be guessed; this one has " + text.length()));
        return token;
    }

    /**
     * {@code admin.tls}: a certificate any user may read but not change, a key only the agent's user may read, both
     * PEM and belonging together; read now so that a wrong file is a configuration error naming the key.
     */
    private static Optional<AdminConfig.Tls> tls(Settings tls) {
        for (String key : List.of("cert_file", "key_file")) {
            if (!tls.has(key)) {
                tls.problems()
                        .add(
                                tls.keyPath(key),
                                null,
                                "required with admin.tls: the server's certificate "
                                        + "(cert_file, PEM) and its unencrypted PKCS#8 key (key_file, PEM)");
            }
        }
        Optional<Path> cert = ProtectedFiles.checked(tls, "cert_file", false);
        Optional<Path> key = ProtectedFiles.checked(tls, "key_file", true);
        tls.rejectUnknownKeys();
        if (cert.isEmpty() || key.isEmpty()) {
            return Optional.empty();
        }
        boolean readable = readable(tls, "cert_file", cert.get(), PemFiles::certificates)
                & readable(tls, "key_file", key.get(), PemFiles::privateKey);
        return readable && readable(tls, "key_file", key.get(), file -> PemFiles.keyMaterial(cert.get(), file))
                ? Optional.of(new AdminConfig.Tls(cert.get(), key.get()))
                : Optional.empty();
    }

    private static boolean readable(Settings tls, String key, Path file, Function<Path, ?> reader) {
        try {
            reader.apply(file);
            return true;
        } catch (IllegalArgumentException e) {
            tls.problems()
                    .add(
                            tls.keyPath(key),
                            file,
                            (key.equals("cert_file")
                                            ? "PEM certificates"
                                            : "an unencrypted PKCS#8 key in PEM, the key of cert_file's first certificate")
                                    + "; this one: " + e.getMessage());
            return false;
        }
    }
}
