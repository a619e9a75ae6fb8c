package io.steward.store;

import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The S3 clients of the backup store. */
public final class S3Clients {
    private S3Clients() {}

    /**
     * A client of the store's bucket: credentials from the default chain (the instance role on EC2), bounded
     * retries, and a time limit on every attempt so that a stalled network fails the request instead of hanging it.
     */
    public static S3Client create(BackupStoreConfig store) {
        Duration attemptTimeout = store.attemptTimeout();
        Duration connectTimeout =
                attemptTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? attemptTimeout : Duration.ofSeconds(10);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        .socketTimeout(attemptTimeout))
                .region(Region.of(store.region()
                        .orElseThrow(
                                () -> new IllegalArgumentException("backup.store.region is required to reach S3"))))
                .forcePathStyle(store.pathStyle())
                .overrideConfiguration(o -> o.retryStrategy(retry -> retry.maxAttempts(store.maxAttempts()))
                        .apiCallAttemptTimeout(attemptTimeout));
        store.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
