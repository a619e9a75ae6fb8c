package io.steward.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Pushing the agent's metrics to CloudWatch (YAML section {@code aws.cloudwatch}; user data {@code monitoring}).
 *
 * @param monitoring what is pushed
 * @param namespace the CloudWatch namespace; the dimensions are Cluster and Node
 * @param interval how often (the book: every minute)
 * @param endpoint where CloudWatch answers; only tests and unusual networks set it
 */
public record CloudWatchConfig(Monitoring monitoring, String namespace, Duration interval, Optional<URI> endpoint) {
    public static final String DEFAULT_NAMESPACE = "Steward";
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    public static final CloudWatchConfig OFF =
            new CloudWatchConfig(Monitoring.OFF, DEFAULT_NAMESPACE, DEFAULT_INTERVAL, Optional.empty());

    public enum Monitoring {
        /** Nothing is pushed (the book's default). */
        OFF,
        /** The agent's own metrics ({@code steward_*}): role, lag, epoch, failovers, archive, snapshots... */
        ON,
        /** Every metric in the registry, the engine's detailed ones included. */
        ALL
    }
}
