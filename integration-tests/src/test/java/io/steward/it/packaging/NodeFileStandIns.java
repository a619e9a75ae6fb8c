package io.steward.it.packaging;

import io.steward.testing.TestKeyStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * Files that a documented configuration names and that exist only on a node (secrets, certificates, key stores), made
 * for real in a folder of the test's, protected as the agent demands, so that validation reads them as it would on
 * the node. Which file stands in for a key follows from the key's name.
 */
final class NodeFileStandIns {
    private final Map<String, Path> byKind;

    /** Makes every kind of file in {@code folder}, which no other user may change (a JUnit temporary folder). */
    NodeFileStandIns(Path folder) throws Exception {
        TestKeyStores stores = new TestKeyStores(folder);
        TestKeyStores.PemServer pem = stores.pemServerSignedBy("docs-ca", "docs-node");
        Path keyStore = stores.keyStore("docs-client");
        byKind = Map.of(
                "token_file", secret(folder.resolve("admin-token"), "0123456789abcdef".repeat(4)),
                // every store below opens with it; other secrets take any text
                "password_file", secret(folder.resolve("password"), TestKeyStores.PASSWORD),
                "cert_file", pem.certificateChain(),
                "key_file", pem.privateKey(),
                "ca_file", pem.caCertificate(),
                "key_store", keyStore,
                "trust_store", stores.trustStore("docs-trust", keyStore));
    }

    /** The stand-in for the file a key names, when the key names one that exists only on a node. */
    Optional<Path> forKey(String key) {
        return byKind.entrySet().stream()
                .filter(kind -> key.equals(kind.getKey()) || key.endsWith("_" + kind.getKey()))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    /** Whether a key names a file that exists only on a node: a secret, certificate or store. */
    static boolean namesANodeFile(String key) {
        return key.endsWith("_file") || key.equals("trust_store") || key.equals("key_store");
    }

    private static Path secret(Path file, String content) throws Exception {
        Files.writeString(file, content + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
