package io.steward.backup;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The running agent's side of {@code wal-push} and {@code wal-fetch}: a Unix socket where those commands hand over
 * their request, so that the work runs on the agent's warm S3 client. One request per connection, one line each way
 * (see {@link WalSocketProtocol}). It owns the archive and closes it.
 *
 * <p>The agent runs as root and reads and writes files for the requests, so only the database's own user (the owner
 * of the socket file, mode 0600) and root may connect, checked again through the peer's credentials, and every path
 * must lie inside the engine's data directories.
 */
public final class WalSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalSocketServer.class);

    private final Path socket;
    private final WalArchive archive;
    private final Supplier<List<Path>> allowedRoots;
    private final Optional<UserPrincipal> owner;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "wal-socket");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param allowedRoots the directories whose files may be pushed or fetched into (the engine's data paths)
     * @param owner the database's user: owner of the socket file and, besides root, the only user that may connect
     */
    public WalSocketServer(Path socket, WalArchive archive, Supplier<List<Path>> allowedRoots, Optional<UserPrincipal> owner)
            throws IOException {
        this.socket = socket;
        this.archive = archive;
        this.allowedRoots = allowedRoots;
        this.owner = owner;
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        if (owner.isPresent()) {
            Files.setOwner(socket, owner.get());
        }
        workers.execute(this::acceptLoop);
        log.info("WAL requests taken on {} (for {} and root)", socket, owner.map(UserPrincipal::getName).orElse("root only"));
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel connection = server.accept();
                workers.execute(() -> serve(connection));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("WAL socket accept failed: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            WalSocketProtocol.Reply reply = answer(connection);
            connection.write(ByteBuffer.wrap(reply.line().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            log.warn("WAL socket request failed: {}", e.getMessage());
        }
    }

    private WalSocketProtocol.Reply answer(SocketChannel connection) throws IOException {
        UnixDomainPrincipal peer = connection.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String user = peer.user().getName();
        if (!user.equals("root") && owner.map(o -> !o.getName().equals(user)).orElse(true)) {
            return WalSocketProtocol.Reply.refused("user " + user + " may not use this socket");
        }
        String line = WalSocketProtocol.readLine(Channels.newInputStream(connection));
        WalSocketProtocol.Request request;
        try {
            request = WalSocketProtocol.Request.parse(line);
        } catch (IllegalArgumentException e) {
            return WalSocketProtocol.Reply.refused(e.getMessage());
        }
        Optional<String> outside = outsideDataDirectories(request.path());
        if (outside.isPresent()) {
            return WalSocketProtocol.Reply.refused(outside.get());
        }
        return switch (request.operation()) {
            case PUSH -> push(request.path());
            case FETCH -> fetch(request.name(), request.path());
        };
    }

    private WalSocketProtocol.Reply push(Path file) {
        try {
            PushResult result = archive.push(file);
            return WalSocketProtocol.Reply.done(result.toString());
        } catch (WalArchiveException e) {
            return new WalSocketProtocol.Reply(1, e.getMessage());
        }
    }

    private WalSocketProtocol.Reply fetch(String name, Path destination) {
        try {
            FetchResult result = archive.fetch(name, destination);
            return result instanceof FetchResult.NotFound
                    ? new WalSocketProtocol.Reply(1, name + " is not in the archive")
                    : WalSocketProtocol.Reply.done("restored " + name);
        } catch (WalArchiveException e) {
            return new WalSocketProtocol.Reply(3, e.getMessage());
        }
    }

    /** Why {@code path} may not be read or written for a request, if it may not. */
    private Optional<String> outsideDataDirectories(Path path) {
        Path resolved;
        try {
            // the parent must exist; the file itself does not for a fetch
            resolved = path.getParent().toRealPath().resolve(path.getFileName());
        } catch (IOException | NullPointerException e) {
            return Optional.of("no such directory for " + path);
        }
        List<Path> roots;
        try {
            roots = allowedRoots.get();
        } catch (RuntimeException e) {
            return Optional.of("the data directories are not known yet: " + e.getMessage());
        }
        return roots.stream().anyMatch(resolved::startsWith) ? Optional.empty()
                : Optional.of(path + " is outside the data directories " + roots);
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("closing the WAL socket: {}", e.getMessage());
        }
        workers.shutdownNow();
        archive.close();
    }
}
