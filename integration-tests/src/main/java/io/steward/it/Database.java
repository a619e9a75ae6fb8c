package io.steward.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The database a {@link LocalCluster} runs: its configuration section and how a test reaches its server process. */
public enum Database {
    POSTGRESQL("pg", "postgresql") {
        @Override
        List<String> section(Path nodeDir, int port) {
            return List.of(
                    "postgresql:",
                    "  bin_dir: " + LocalCluster.PG_BIN,
                    "  data_dir: " + nodeDir.resolve("data"),
                    "  port: " + port,
                    "  socket_dir: " + nodeDir.resolve("run"),
                    "  superuser_password: " + LocalCluster.SUPERUSER_PASSWORD,
                    "  replication_password: it-replication",
                    "  parameters:",
                    "    log_min_messages: warning");
        }

        @Override
        Optional<Long> serverPid(Path dataDir) throws IOException {
            return Postmaster.pid(dataDir);
        }

        @Override
        Path serverLog(Path nodeDir) {
            return nodeDir.resolve("state").resolve("postgresql.log");
        }

        @Override
        void stopServer(Path dataDir) throws IOException, InterruptedException {
            if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                new ProcessBuilder(
                                "runuser",
                                "-u",
                                "postgres",
                                "--",
                                LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                                "stop",
                                "-D",
                                dataDir.toString(),
                                "-m",
                                "immediate",
                                "-w",
                                "-t",
                                "30")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor(60, TimeUnit.SECONDS);
            }
        }
    },
    REDIS("redis", "redis") {
        @Override
        List<String> section(Path nodeDir, int port) {
            return List.of(
                    "redis:",
                    "  data_dir: " + nodeDir.resolve("data"),
                    "  port: " + port,
                    "  password: " + LocalCluster.SUPERUSER_PASSWORD,
                    "  logging: info");
        }

        @Override
        Optional<Long> serverPid(Path dataDir) {
            try {
                long pid = Long.parseLong(
                        Files.readString(dataDir.resolve("redis.pid")).strip());
                return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> pid);
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        Path serverLog(Path nodeDir) {
            return nodeDir.resolve("data").resolve("redis.log");
        }

        @Override
        void stopServer(Path dataDir) throws InterruptedException {
            Optional<ProcessHandle> server = serverPid(dataDir).flatMap(ProcessHandle::of);
            server.ifPresent(ProcessHandle::destroyForcibly);
            // a volume under the data directory unmounts only once the process has gone for good
            if (server.isPresent()) {
                try {
                    server.get().onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(
                            "redis-server " + server.get().pid() + " did not end", e);
                }
            }
        }
    };

    private final String nodePrefix;
    private final String engine;

    Database(String nodePrefix, String engine) {
        this.nodePrefix = nodePrefix;
        this.engine = engine;
    }

    /** Nodes are named this and a number. */
    String nodePrefix() {
        return nodePrefix;
    }

    /** The value of {@code engine:} in the agent's configuration. */
    String engine() {
        return engine;
    }

    /** The engine's configuration section for a node; extra YAML indented by four spaces extends its last map. */
    abstract List<String> section(Path nodeDir, int port);

    /** The server's main process, when it runs. */
    abstract Optional<Long> serverPid(Path dataDir) throws IOException;

    abstract Path serverLog(Path nodeDir);

    /** Stops the server whatever state it is in (cleanup). */
    abstract void stopServer(Path dataDir) throws IOException, InterruptedException;
}
