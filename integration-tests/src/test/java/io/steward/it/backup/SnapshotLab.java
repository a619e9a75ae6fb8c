package io.steward.it.backup;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.backup.SnapshotCatalog;
import io.steward.backup.SnapshotSets;
import io.steward.config.RetentionClass;
import io.steward.config.SnapshotConfig;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.it.LocalCluster;
import io.steward.it.StewardScript;
import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.plugins.EngineRegistry;
import io.steward.postgres.PostgresEngine;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import io.steward.storage.Ec2VolumeFinder;
import io.steward.storage.FilesystemFreezer;
import io.steward.store.ArchiveLayout;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What the snapshot tests and benchmark share: s3proxy with a bucket, the EC2 test server with this instance, the
 * {@code steward} script PostgreSQL archives through, PostgreSQL engines on loop volumes the EC2 server knows, all
 * under one folder that {@link #close()} removes.
 */
final class SnapshotLab implements AutoCloseable {
    static final String BUCKET = "snapshots";
    static final String INSTANCE = "i-0a1b2c3d4e5f60718";
    static final String CLONE = "walit-clone";
    static final String ZONE = "eu-west-1a";

    final Path root;
    final S3TestServer s3;
    final Ec2TestServer ec2Server;
    final Ec2Client ec2;
    private final List<Engine> engines = new ArrayList<>();
    final List<Path> mounts = new ArrayList<>();
    final MetricRegistry registry = new MetricRegistry();
    final Path script;

    SnapshotLab() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "steward-snap-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        ec2Server = Ec2TestServer.start(root.resolve("images"), root.resolve("by-id"));
        ec2Server.addInstance(INSTANCE, ZONE, "10.0.3.17");
        ec2 = ec2Server.client();
        Path config = WalFixtures.configFile(
                root,
                WalFixtures.storeSection(s3.endpoint(), BUCKET).replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
        script = StewardScript.install(
                root,
                config,
                Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY));
    }

    @Override
    public void close() throws Exception {
        for (Engine engine : engines) {
            cleanup(engine::stop);
            cleanup(engine::close);
        }
        // servers started by the CLI, or that could not stop cleanly, must not keep their volumes busy
        cleanup(() -> LoopFilesystem.run(
                "sh",
                "-c",
                "for pid in $(find " + root + " -name postmaster.pid); do "
                        + "runuser -u postgres -- " + LocalCluster.PG_BIN.resolve("pg_ctl")
                        + " stop -m immediate -w -t 30 "
                        + "-D $(dirname $pid) || true; done"));
        for (Path mount : mounts) {
            cleanup(() -> LoopFilesystem.run("sh", "-c", "umount " + mount + " || true"));
        }
        cleanup(ec2::close);
        cleanup(ec2Server::close);
        cleanup(s3::close);
        S3TestServer.withdrawCredentialsFromThisJvm();
        LoopFilesystem.run("rm", "-rf", root.toString());
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void cleanup(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            System.err.println("cleanup: " + e);
        }
    }

    PostgresEngine engine(String name, Path dataDir) {
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("bin_dir", LocalCluster.PG_BIN.toString())
                .put("data_dir", dataDir.toString())
                .put("port", FreePorts.next())
                .put("socket_dir", root.resolve(name + "-run").toString())
                .put("superuser_password", "it-superuser")
                .put("replication_password", "it-replication");
        section.putObject("parameters")
                .put("archive_mode", "on")
                .put("archive_command", script + " wal-push %p")
                .put("restore_command", script + " wal-fetch %f \"%p\"")
                .put("shared_buffers", "16MB");
        Settings settings = new Settings("postgresql", section, new ConfigProblems());
        PostgresEngine engine = (PostgresEngine) EngineRegistry.find("postgresql")
                .orElseThrow()
                .configure(new EngineContext(
                        name, "127.0.0.1", settings, root.resolve(name + "-state"), new MetricRegistry()))
                .create();
        settings.problems().throwIfAny();
        engines.add(engine);
        return engine;
    }

    Path dataVolume(String device, Path mountPoint) throws Exception {
        // sparse: room for the WAL that piles up while the archive command catches up
        String volumeId = ec2Server.attachNewVolume(INSTANCE, device, 4096);
        LoopFilesystem.run("mkfs.xfs", "-q", "-f", ec2Server.loopDevice(volumeId));
        Files.createDirectories(mountPoint);
        LoopFilesystem.run("mount", ec2Server.loopDevice(volumeId), mountPoint.toString());
        mounts.add(0, mountPoint);
        Path dataDir = Files.createDirectories(mountPoint.resolve("pgdata"));
        LoopFilesystem.run("chown", "postgres:postgres", dataDir.toString());
        return dataDir;
    }

    SnapshotSets snapshotSets(Engine engine, Duration freezeTimeout, Clock clock) {
        return snapshotSets(engine, freezeTimeout, clock, catalog());
    }

    SnapshotSets snapshotSets(Engine engine, Duration freezeTimeout, Clock clock, SnapshotCatalog catalog) {
        return snapshotSets(engine, freezeTimeout, clock, catalog, ec2);
    }

    SnapshotSets snapshotSets(
            Engine engine, Duration freezeTimeout, Clock clock, SnapshotCatalog catalog, Ec2Client ec2) {
        return new SnapshotSets(
                new SnapshotConfig(
                        true, Optional.of(RetentionClass.HOURLY), false, Map.of(), Duration.ofMinutes(5), false),
                engine,
                ec2,
                catalog,
                new Ec2VolumeFinder(ec2, INSTANCE, ec2Server.deviceLinks()),
                new FilesystemFreezer(
                        freezeTimeout,
                        List.of(Path.of(System.getProperty("java.io.tmpdir"))),
                        root.resolve("thaw-guard.log"),
                        registry),
                clock,
                registry);
    }

    SnapshotCatalog catalog() {
        return catalog(BUCKET);
    }

    SnapshotCatalog catalog(String bucket) {
        return new SnapshotCatalog(s3.client(), bucket, new ArchiveLayout("steward", WalFixtures.CLUSTER));
    }

    /**
     * A whole configuration for a node of a new cluster, {@value #CLONE}, cloned from this one (user data
     * {@code clone}), as {@code steward restore} loads it; its PostgreSQL archives to the clone's folder and restores
     * through a script of its own, which falls back to this cluster's archive.
     */
    Path cloneNodeConfig(Path dataDir, int port) throws Exception {
        Path config = root.resolve("clone.yml");
        Path cloneScript = StewardScript.install(
                root,
                "steward-clone",
                config,
                Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY),
                Map.of());
        String yaml = String.join(
                "\n",
                "cluster: " + CLONE,
                "engine: postgresql",
                "node:",
                "  name: c1",
                "  host: 127.0.0.1",
                "  state_dir: " + root.resolve("c1-state"),
                "  instance_id: " + INSTANCE,
                "  availability_zone: " + ZONE,
                "bootstrap:",
                "  mode: clone",
                "  source: " + WalFixtures.CLUSTER,
                "zookeeper:",
                "  connect: 127.0.0.1:2181",
                "  digest_user: steward",
                "  digest_password: it-zookeeper-secret",
                "aws:",
                "  imds: off",
                "  region: eu-west-1",
                "  ec2:",
                "    endpoint: " + ec2Server.endpoint(),
                "storage:",
                "  device_links: " + ec2Server.deviceLinks(),
                "postgresql:",
                "  bin_dir: " + LocalCluster.PG_BIN,
                "  data_dir: " + dataDir,
                "  port: " + port,
                "  socket_dir: " + root.resolve("c1-run"),
                "  superuser_password: it-superuser",
                "  replication_password: it-replication",
                "  parameters:",
                "    archive_mode: 'on'",
                "    archive_command: '" + cloneScript + " wal-push %p'",
                "    restore_command: '" + cloneScript + " wal-fetch %f \"%p\"'",
                "backup:",
                "  store:",
                WalFixtures.storeSection(s3.endpoint(), BUCKET)
                        .replace("attempt_timeout: 1s", "attempt_timeout: 10s")
                        .lines()
                        .map(line -> "    " + line)
                        .collect(Collectors.joining("\n")),
                "");
        return Files.writeString(config, yaml);
    }

    List<String> archivedWal() {
        return archivedWal(WalFixtures.CLUSTER);
    }

    List<String> archivedWal(String cluster) {
        String folder = "steward/" + cluster + "/wal/";
        return s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(folder)).contents().stream()
                .map(S3Object::key)
                .map(key -> key.substring(folder.length()))
                .collect(Collectors.toList());
    }

    /** Runs {@code insert} over and over on its own connection, counting, until {@code writing} turns false. */
    static CompletableFuture<Void> insertWhile(String url, String insert, AtomicBoolean writing, AtomicLong written) {
        return CompletableFuture.runAsync(() -> {
            try (Connection db = DriverManager.getConnection(url, "postgres", "it-superuser");
                    Statement sql = db.createStatement()) {
                while (writing.get()) {
                    sql.execute(insert);
                    written.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
