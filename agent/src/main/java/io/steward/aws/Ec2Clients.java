package io.steward.aws;

import io.steward.config.AwsConfig;
import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;

/** The EC2 client every part of the agent uses: the SDK's retries (throttling included), bounded calls. */
public final class Ec2Clients {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private Ec2Clients() {}

    /** Credentials from the default provider chain: the instance role on EC2. */
    public static Ec2Client create(AwsConfig aws, String region) {
        Ec2ClientBuilder builder = Ec2Client.builder()
                .region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(CALL_TIMEOUT))
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT.multipliedBy(3)));
        aws.ec2Endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
