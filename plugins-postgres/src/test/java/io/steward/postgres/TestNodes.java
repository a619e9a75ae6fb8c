package io.steward.postgres;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.engine.Peer;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Real PostgreSQL servers for one test, each in its own folder under a temporary directory the server's user can
 * reach, on loopback ports below the kernel's ephemeral range. {@link #close()} stops them all.
 */
final class TestNodes implements AutoCloseable {
    static final String SUPERUSER_PASSWORD = "super secret";
    static final String REPLICATION_PASSWORD = "repl:secret\\x";

    private final Path root;
    private final List<Node> nodes = new ArrayList<>();

    TestNodes() throws IOException {
        root = Files.createTempDirectory("steward-pg-");
        // PostgreSQL runs as user postgres and must traverse the path to its data directory.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    record Node(String name, int port, Path folder, PostgresEngine engine) {
        Path dataDir() {
            return folder.resolve("data");
        }

        Peer peer() {
            return new Peer(name, new Endpoint("127.0.0.1", port));
        }

        Connection connect() throws SQLException {
            Properties properties = new Properties();
            properties.setProperty("user", "postgres");
            properties.setProperty("password", SUPERUSER_PASSWORD);
            properties.setProperty("connectTimeout", "5");
            properties.setProperty("socketTimeout", "30");
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties);
        }

        void execute(String sql) throws SQLException {
            try (Connection db = connect();
                    Statement statement = db.createStatement()) {
                statement.execute(sql);
            }
        }

        List<String> column(String sql) throws SQLException {
            try (Connection db = connect();
                    Statement statement = db.createStatement();
                    ResultSet rs = statement.executeQuery(sql)) {
                List<String> values = new ArrayList<>();
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
                return values;
            }
        }

        /** Same as {@link #column} but an empty list when the server cannot answer (yet). */
        List<String> columnOrEmpty(String sql) {
            try {
                return column(sql);
            } catch (SQLException e) {
                return List.of();
            }
        }
    }

    Node node(String name) throws IOException {
        return node(name, Map.of());
    }

    /** A node whose server also gets {@code parameters} (archive_command, restore_command...). */
    Node node(String name, Map<String, String> parameters) throws IOException {
        Path folder = root.resolve(name);
        Files.createDirectories(folder);
        int port = freePort();
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", folder.resolve("data").toString())
                .put("port", port)
                .put("socket_dir", folder.resolve("socket").toString())
                .put("superuser_password", SUPERUSER_PASSWORD)
                .put("replication_password", REPLICATION_PASSWORD)
                .put("connect_timeout", "2s")
                .put("stop_timeout", "20s");
        ObjectNode serverParameters =
                section.putObject("parameters").put("shared_buffers", "16MB").put("max_connections", "30");
        parameters.forEach(serverParameters::put);
        Settings settings = new Settings("postgresql", section, new ConfigProblems());
        EngineContext context =
                new EngineContext(name, "127.0.0.1", settings, folder.resolve("state"), new MetricRegistry());
        PostgresEngine engine =
                (PostgresEngine) new PostgresPlugin().configure(context).create();
        settings.rejectUnknownKeys();
        settings.problems().throwIfAny();
        Node node = new Node(name, port, folder, engine);
        nodes.add(node);
        return node;
    }

    /** Kills the postmaster with SIGKILL, as a crash would. */
    static void killPostmaster(Node node) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(node.dataDir().resolve("postmaster.pid"))
                .get(0)
                .strip());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(process -> process.onExit().join());
    }

    /** A folder under this test's root that the server's user owns, e.g. a WAL archive. */
    Path folderForServer(String name) throws IOException {
        Path folder = Files.createDirectories(root.resolve(name));
        run("chown", "postgres:postgres", folder.toString());
        return folder;
    }

    /** Copies a data directory as it is, with owners and modes, the way a volume snapshot would. */
    static void copyAsIs(Path from, Path to) throws IOException {
        run("cp", "-a", from.toString(), to.toString());
    }

    @Override
    public void close() throws IOException {
        for (Node node : nodes) {
            node.engine().close();
            if (Files.exists(node.dataDir().resolve("postmaster.pid"))) {
                run(
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        "/usr/lib/postgresql/15/bin/pg_ctl",
                        "stop",
                        "-D",
                        node.dataDir().toString(),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "10");
            }
        }
        run("rm", "-rf", root.toString());
    }

    private static void run(String... command) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        }
    }

    /** A port below the ephemeral range (see LOCAL-SERVERS.md), checked free on loopback. */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port found below 32000");
    }
}
