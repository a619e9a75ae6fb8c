package io.steward.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and private keys in PEM files, read with the JDK alone: certificates with {@link CertificateFactory},
 * keys as unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) with {@link KeyFactory}. Every failure is an
 * {@link IllegalArgumentException} whose message says what the file should hold.
 */
public final class PemFiles {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemFiles() {}

    /** A certificate and the key that goes with it, e.g. a server's. */
    public record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {}

    /** Every certificate in the file, in order (a server's certificate first, then its intermediates). */
    public static List<X509Certificate> certificates(Path file) {
        byte[] content = read(file);
        try {
            List<X509Certificate> certificates =
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(content))
                            .stream()
                            .map(X509Certificate.class::cast)
                            .toList();
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("no certificate in it; expected PEM (-----BEGIN CERTIFICATE-----)");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(
                    "not PEM certificates (-----BEGIN CERTIFICATE-----): " + e.getMessage(), e);
        }
    }

    /** The unencrypted PKCS#8 private key in the file. */
    public static PrivateKey privateKey(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Matcher pem = PKCS8.matcher(text);
        if (!pem.find()) {
            throw new IllegalArgumentException("no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----) in it"
                    + (text.contains("-----BEGIN") ? "; convert it with openssl pkcs8 -topk8 -nocrypt" : ""));
        }
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a PKCS#8 key whose base64 is damaged", e);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next one
            }
        }
        throw new IllegalArgumentException(
                "a PKCS#8 key of none of the algorithms " + String.join(", ", KEY_ALGORITHMS));
    }

    /**
     * The certificate chain and the key, checked to belong together: a key that signs what the certificate's public
     * key verifies. A mismatch would otherwise show only as every TLS handshake failing.
     */
    public static KeyMaterial keyMaterial(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = certificates(certificateFile);
        PrivateKey key = privateKey(keyFile);
        if (!belongTogether(key, chain.get(0))) {
            throw new IllegalArgumentException(
                    "the key in " + keyFile + " is not the key of the first certificate in " + certificateFile);
        }
        return new KeyMaterial(key, chain);
    }

    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "steward".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] read(Path file) {
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getMessage(), e);
        }
    }
}
