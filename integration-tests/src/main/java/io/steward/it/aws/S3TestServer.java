package io.steward.it.aws;

import io.steward.testing.TcpProxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 endpoint for tests: s3proxy in this JVM on 127.0.0.1, with an in-memory blob store and SigV4
 * authentication, behind a {@link TcpProxy} so that a test can make S3 unreachable ({@link #cut()}) and bring it back
 * ({@link #heal()}). A cut silences traffic without closing connections, as a network partition does, so clients only
 * notice by their own timeouts; what was sent meanwhile arrives once healed, as TCP retransmits it.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "steward-test-access-key";
    public static final String SECRET_KEY = "steward-test-secret-key";
    /** s3proxy does not check the region; the SDK needs one to sign. */
    public static final String REGION = "us-east-1";

    private final S3Proxy s3proxy;
    private final TcpProxy relay;
    private final S3Client client;

    private S3TestServer(S3Proxy s3proxy, TcpProxy relay) {
        this.s3proxy = s3proxy;
        this.relay = relay;
        this.client = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(REGION))
                .endpointOverride(directEndpoint())
                .forcePathStyle(true)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /**
     * Gives this JVM's AWS clients the test server's keys: the default credential chain, which the agent uses as on
     * EC2, reads system properties first.
     */
    public static void lendCredentialsToThisJvm() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    public static void withdrawCredentialsFromThisJvm() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    /** Starts s3proxy on a port the kernel picks, and the relay in front of it. */
    public static S3TestServer start() throws Exception {
        return start(S3Proxy.builder());
    }

    /**
     * Also answers HTTPS on {@link #secureEndpoint()}, with the certificate in {@code keyStore} (clients that insist on
     * TLS, such as pgBackRest).
     */
    public static S3TestServer startWithTls(Path keyStore, String password) throws Exception {
        return start(S3Proxy.builder()
                .secureEndpoint(URI.create("https://127.0.0.1:0"))
                .keyStore(keyStore.toString(), password));
    }

    private static S3TestServer start(S3Proxy.Builder builder) throws Exception {
        S3Proxy s3proxy = builder.blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        s3proxy.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!"STARTED".equals(s3proxy.getState())) {
            if (Instant.now().isAfter(deadline)) {
                s3proxy.stop();
                throw new IllegalStateException("s3proxy did not start within 60 s (state " + s3proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
        TcpProxy relay = new TcpProxy(new InetSocketAddress("127.0.0.1", s3proxy.getPort()));
        return new S3TestServer(s3proxy, relay);
    }

    /** Where clients under test connect: through the relay, so {@link #cut()} reaches them. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + relay.port());
    }

    /** s3proxy itself, bypassing the relay: for the test's own look and tamper client. */
    public URI directEndpoint() {
        return URI.create("http://127.0.0.1:" + s3proxy.getPort());
    }

    public int securePort() {
        return s3proxy.getSecurePort();
    }

    /** A client that talks to s3proxy directly (never cut), for setting up, inspecting and tampering. */
    public S3Client client() {
        return client;
    }

    public void createBucket(String bucket) {
        client.createBucket(request -> request.bucket(bucket));
    }

    /** From now on, traffic through {@link #endpoint()} is held (connections stay open and silent). */
    public void cut() {
        relay.blackhole();
    }

    public void heal() {
        relay.pass();
    }

    @Override
    public void close() throws Exception {
        client.close();
        relay.close();
        s3proxy.stop();
    }
}
