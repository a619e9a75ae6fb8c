package io.steward.elasticsearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificate authorities a node's HTTPS certificate is checked against when it is not signed by a public one:
 * Elasticsearch 8 creates its own CA at first start ({@code config/certs/http_ca.crt}).
 */
final class CaCertificates {
    private CaCertificates() {}

    /**
     * @throws IllegalArgumentException saying why the file cannot serve: unreadable, or not PEM certificates
     */
    static List<X509Certificate> read(Path pemFile) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("holds no PEM certificate that can be read: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("holds no certificate");
        }
        List<X509Certificate> read = new ArrayList<>();
        for (Certificate certificate : certificates) {
            read.add((X509Certificate) certificate);
        }
        return List.copyOf(read);
    }

    /** A TLS context that trusts exactly these authorities (not the JDK's public ones besides). */
    static SSLContext trusting(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(
                    "cannot build a TLS context from the CA certificates: " + e.getMessage(), e);
        }
    }
}
