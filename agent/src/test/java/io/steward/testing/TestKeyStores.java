package io.steward.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
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
        keytool(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + name,
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);
        return protect(store);
    }

    /** {@code NAME.p12}: the certificates of the given key stores ({@link #keyStore}), and nothing else. */
    public Path trustStore(String name, Path... trusted) throws IOException, InterruptedException {
        Path store = folder.resolve(name + ".p12");
        for (Path keyStore : trusted) {
            String alias = keyStore.getFileName().toString().replace(".p12", "");
            Path certificate = folder.resolve(alias + ".crt");
            keytool(
                    "-exportcert",
                    "-alias",
                    alias,
                    "-keystore",
                    keyStore.toString(),
                    "-storepass",
                    PASSWORD,
                    "-file",
                    certificate.toString());
            keytool(
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    alias,
                    "-file",
                    certificate.toString(),
                    "-keystore",
                    store.toString(),
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    PASSWORD);
        }
        return protect(store);
    }

    /** A CA's certificate (PEM) and a server's certificate chain (PEM) and unencrypted PKCS#8 key (PEM) it signed. */
    public record PemServer(Path caCertificate, Path certificateChain, Path privateKey) {}

    /**
     * {@code CA.pem}, and {@code NAME.pem} with {@code NAME.key}: a new CA, and a server certificate naming 127.0.0.1
     * and localhost that the CA signed, as an operator's own CA would issue it for the admin API.
     */
    public PemServer pemServerSignedBy(String caName, String name) throws Exception {
        Path caStore = folder.resolve(caName + ".p12");
        keytool(
                "-genkeypair",
                "-alias",
                caName,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + caName,
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                caStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD);
        Path caPem = folder.resolve(caName + ".pem");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                caName,
                "-keystore",
                caStore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                caPem.toString());
        Path serverStore = keyStore(name);
        Path request = folder.resolve(name + ".csr");
        keytool(
                "-certreq",
                "-alias",
                name,
                "-keystore",
                serverStore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                request.toString());
        Path signed = folder.resolve(name + ".signed.pem");
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                caName,
                "-keystore",
                caStore.toString(),
                "-storepass",
                PASSWORD,
                "-infile",
                request.toString(),
                "-outfile",
                signed.toString(),
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2");
        Path chain =
                Files.writeString(folder.resolve(name + ".pem"), Files.readString(signed) + Files.readString(caPem));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        byte[] pkcs8 = store.getKey(name, PASSWORD.toCharArray()).getEncoded();
        Path key = Files.writeString(
                folder.resolve(name + ".key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(pkcs8)
                        + "\n-----END PRIVATE KEY-----\n");
        return new PemServer(caPem, chain, protect(key));
    }

    private static Path protect(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }
}
