package io.steward.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PKCS12 key and trust stores made with the JDK's {@code keytool} at test time: a self-signed certificate per party,
 * naming 127.0.0.1 and localhost, and trust stores holding the certificates of the parties to trust. Every file is
 * readable by its owner alone, as the agent demands of a key store.
 */
public final class TestKeyStores {
    public static final String PASSWORD = "test-store-pass";

    private final Path folder;

    public TestKeyStores(Path folder) {
        this.folder = folder;
    }

    /** {@code NAME.p12}: a new key pair and its self-signed certificate. */
    public Path keyStore(String name) throws IOException, InterruptedException {
        Path store = folder.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        return protect(store);
    }

    /** {@code NAME.p12}: the certificates of the given key stores ({@link #keyStore}), and nothing else. */
    public Path trustStore(String name, Path... trusted) throws IOException, InterruptedException {
        Path store = folder.resolve(name + ".p12");
        for (Path keyStore : trusted) {
            String alias = keyStore.getFileName().toString().replace(".p12", "");
            Path certificate = folder.resolve(alias + ".crt");
            keytool("-exportcert", "-alias", alias, "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                    "-file", certificate.toString());
            keytool("-importcert", "-noprompt", "-alias", alias, "-file", certificate.toString(), "-keystore",
                    store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        }
        return protect(store);
    }

    private static Path protect(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }
}
