package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.testing.TestKeyStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin.tls}: PEM files read at validation, the key protected like every secret, and the two a pair. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@Tag("servers")
class AdminTlsConfigTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateAndItsKeyAreReadAtValidation() throws Exception {
        TestKeyStores.PemServer pem = new TestKeyStores(dir).pemServerSignedBy("ca", "agent");

        AdminConfig admin = load(pem.certificateChain(), pem.privateKey()).admin();

        assertThat(admin.tls()).contains(new AdminConfig.Tls(pem.certificateChain(), pem.privateKey()));
        assertThat(admin.requestTimeout()).isEqualTo(AdminConfig.DEFAULT_REQUEST_TIMEOUT);
    }

    @Test
    void aKeyOthersCanReadIsRefusedNamingTheKey() throws Exception {
        TestKeyStores.PemServer pem = new TestKeyStores(dir).pemServerSignedBy("ca", "agent");
        Files.setPosixFilePermissions(pem.privateKey(), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> load(pem.certificateChain(), pem.privateKey()))
                .hasMessageContaining("admin.tls.key_file")
                .hasMessageContaining("this one has mode rw-r--r--");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        TestKeyStores stores = new TestKeyStores(dir);
        TestKeyStores.PemServer one = stores.pemServerSignedBy("ca", "one");
        TestKeyStores.PemServer other = stores.pemServerSignedBy("ca2", "other");

        assertThatThrownBy(() -> load(one.certificateChain(), other.privateKey()))
                .hasMessageContaining("admin.tls.key_file")
                .hasMessageContaining("is not the key of the first certificate");
        assertThatThrownBy(() -> load(one.privateKey(), one.privateKey()))
                .hasMessageContaining("admin.tls.cert_file")
                .hasMessageContaining("PEM certificates");
    }

    private StewardConfig load(Path cert, Path key) throws Exception {
        Path file = Files.writeString(dir.resolve("steward.yml"), ConfigLoaderTest.VALID_YAML);
        return ConfigLoader.load(new ConfigLoader.Sources(
                Optional.of(file),
                Optional.empty(),
                false,
                Map.of(),
                Map.of("admin.tls.cert_file", cert.toString(), "admin.tls.key_file", key.toString())));
    }
}
