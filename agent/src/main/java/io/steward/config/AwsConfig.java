package io.steward.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How the agent finds out where it runs.
 *
 * @param imds whether to ask the EC2 instance metadata service (IMDSv2) for this node's identity
 * @param imdsEndpoint where IMDS answers; only tests and unusual networks change it
 * @param imdsTimeout how long one IMDS request may take before IMDS counts as unreachable
 * @param region the AWS region, when set in configuration rather than taken from IMDS
 * @param route53 the cluster's DNS records (section {@code aws.route53})
 * @param ec2Endpoint where EC2 answers ({@code aws.ec2.endpoint}); only tests and unusual networks set it
 * @param cloudWatch pushing metrics to CloudWatch (section {@code aws.cloudwatch})
 */
public record AwsConfig(
        ImdsMode imds,
        URI imdsEndpoint,
        Duration imdsTimeout,
        Optional<String> region,
        Route53Config route53,
        Optional<URI> ec2Endpoint,
        CloudWatchConfig cloudWatch) {

    public static final URI DEFAULT_IMDS_ENDPOINT = URI.create("http://169.254.169.254");

    public enum ImdsMode {
        /** Ask IMDS briefly; off EC2 carry on with what configuration says. */
        AUTO,
        /** IMDS must answer: this node runs on EC2 and an unreachable IMDS is a configuration problem. */
        ON,
        /** Never ask IMDS. */
        OFF
    }
}
