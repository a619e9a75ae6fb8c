package io.steward.cli;

import com.codahale.metrics.MetricRegistry;
import io.steward.Agent;
import io.steward.aws.Ec2Clients;
import io.steward.backup.SnapshotCatalog;
import io.steward.backup.SnapshotException;
import io.steward.backup.SnapshotPolicy;
import io.steward.backup.SnapshotRestore;
import io.steward.backup.SnapshotSet;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.progress.ProgressPrinter;
import io.steward.settings.ConfigException;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.S3Client;

@Command(
        name = "restore",
        description = {
            "Restores a snapshot set onto this node: new volumes from its snapshots, mounted as they are, then "
                    + "the engine's archive replayed up to a point in time (or its end), and the server promoted.",
            "It does the work itself, in this process, with no agent involved; on a node where the steward "
                    + "service runs, stop the service first. The set's mount points must be empty. With bootstrap "
                    + "mode clone (user data \"clone\"), the set comes from the source cluster's catalog."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:restored: the server takes writes",
            "1:not restored: refused (the reason is printed) or failed; the volumes it made are removed again, "
                    + "or named with how to remove them",
            "2:bad usage or invalid configuration (every problem is listed)"
        })
final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--from",
            paramLabel = "SET_ID",
            description = "The set to restore (default: the newest that can " + "reach the target time).")
    String setId;

    @Option(
            names = "--target-time",
            paramLabel = "INSTANT",
            description = "Stop replaying at this instant, e.g. "
                    + "2026-11-22T09:30:00Z (default: bootstrap.target_time, else the end of the archive).")
    String targetTime;

    @Option(
            names = "--mount",
            paramLabel = "SET_MOUNT=HERE",
            description = "Mount the volume the set had at "
                    + "SET_MOUNT at HERE instead; repeatable; added to storage.restore_mounts.")
    Map<Path, Path> mounts = new LinkedHashMap<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Instant> target = parseTarget();
        StewardConfig config;
        try {
            config = ConfigLoader.load(options.sources());
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return StewardCli.EXIT_USAGE;
        }
        Optional<String> problem = missing(config);
        if (problem.isPresent()) {
            err.println("steward restore: " + problem.get());
            return StewardCli.EXIT_USAGE;
        }
        Optional<Instant> until = target.or(() -> config.bootstrap().targetTime());
        String sourceCluster = config.bootstrap().cloneSource().orElse(config.cluster());
        BackupStoreConfig store = config.backup().store().orElseThrow();
        String region = config.node().region().or(store::region).orElseThrow();
        ProgressPrinter progress = ProgressPrinter.forConsole(out);
        try (Ec2Client ec2 = Ec2Clients.create(config.aws(), region);
                S3Client s3 = S3Clients.create(store);
                Engine engine = Agent.createEngine(config, new MetricRegistry())) {
            SnapshotCatalog catalog =
                    new SnapshotCatalog(s3, store.bucket(), new ArchiveLayout(store.prefix(), sourceCluster));
            SnapshotSet set = SnapshotPolicy.choose(catalog.list(), Optional.ofNullable(setId), until);
            new SnapshotRestore(ec2, engine, progress)
                    .restore(
                            set,
                            until,
                            new SnapshotRestore.Target(
                                    config.node().instanceId().orElseThrow(),
                                    config.node().availabilityZone().orElseThrow(),
                                    config.storage().deviceLinks(),
                                    withConfigured(config.storage().restoreMounts())));
            progress.finish();
            return StewardCli.EXIT_OK;
        } catch (SnapshotException | EngineException | SdkException e) {
            progress.finish();
            err.println("steward restore failed: " + e.getMessage());
            return StewardCli.EXIT_REFUSED;
        }
    }

    /** storage.restore_mounts, then --mount, which wins for the same set mount point. */
    private Map<Path, Path> withConfigured(Map<Path, Path> configured) {
        Map<Path, Path> all = new LinkedHashMap<>(configured);
        all.putAll(mounts);
        return all;
    }

    private Optional<Instant> parseTarget() {
        if (targetTime == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(targetTime));
        } catch (DateTimeParseException e) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--target-time must be an instant such as " + "2026-11-22T09:30:00Z, was '" + targetTime + "'");
        }
    }

    private static Optional<String> missing(StewardConfig config) {
        if (config.backup().store().isEmpty()) {
            return Optional.of("the catalog lives in the backup store: configure backup.store");
        }
        if (config.node().instanceId().isEmpty()
                || config.node().availabilityZone().isEmpty()) {
            return Optional.of(
                    "this node's EC2 instance id and availability zone are unknown: run on EC2 (IMDS) or set "
                            + "node.instance_id and node.availability_zone");
        }
        if (config.node()
                .region()
                .or(() -> config.backup().store().flatMap(BackupStoreConfig::region))
                .isEmpty()) {
            return Optional.of("the AWS region is unknown: set aws.region");
        }
        return Optional.empty();
    }
}
