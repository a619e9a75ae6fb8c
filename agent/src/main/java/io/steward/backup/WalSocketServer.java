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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
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
 * must lie inside the engine's data directories. A file to push must be a regular file (not a link) of that user or
 * root, so that the socket cannot be used to read another file with the agent's rights.
 */
public final class WalSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalSocketServer.class);
    /** A failure that is neither "not in the archive" (1) nor a refused request (2): PostgreSQL tries again. */
    private static final int FAILED = 3;

    private final Path socket;
    private final WalArchive archive;
    private final Supplier<List<Path>> allowedRoots;
    private final Optional<UserPrincipal> owner;
    private final WalPushAhead pushAhead;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "wal-socket");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param allowedRoots the directories whose files may be pushed or fetched into (the engine's data paths)
     * @param owner the database's user: owner of the socket file and, besides root, the only user that may connect
     * @param pushAhead how many ready segments to upload while PostgreSQL waits for an earlier one (see
     *        {@link WalPushAhead})
     */
    public WalSocketServer(Path socket, WalArchive archive, Supplier<List<Path>> allowedRoots, Optional<UserPrincipal> owner,
                           int pushAhead) throws IOException {
        this.socket = socket;
        this.archive = archive;
        this.allowedRoots = allowedRoots;
        this.owner = owner;
        this.pushAhead = new WalPushAhead(archive, pushAhead, file -> notReadable(file).isEmpty());
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
            WalSocketProtocol.Reply reply;
            try {
                reply = answer(connection);
            } catch (RuntimeException e) {
                // costs this request only: the socket keeps serving the next
                log.error("WAL socket request failed unexpectedly", e);
                reply = new WalSocketProtocol.Reply(FAILED, "the agent failed: " + e);
            }
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
            case PUSH -> notReadable(request.path()).map(WalSocketProtocol.Reply::refused).orElseGet(() -> push(request.path()));
            case FETCH -> fetch(request.name(), request.path());
        };
    }

    /** Why the agent may not read {@code file} for the database's user, if it may not. */
    private Optional<String> notReadable(Path file) {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Optional.of("cannot read " + file + ": " + e);
        }
        if (!attributes.isRegularFile()) {
            return Optional.of(file + " is not a regular file" + (attributes.isSymbolicLink() ? " (a symbolic link)" : ""));
        }
        String fileOwner = attributes.owner().getName();
        if (!fileOwner.equals("root") && owner.map(o -> !o.getName().equals(fileOwner)).orElse(true)) {
            return Optional.of(file + " belongs to " + fileOwner + ", not to the database's user");
        }
        return Optional.empty();
    }

    private WalSocketProtocol.Reply push(Path file) {
        try {
            PushResult result = pushAhead.push(file);
            return WalSocketProtocol.Reply.done(result.toString());
        } catch (WalArchiveException e) {
            return new WalSocketProtocol.Reply(1, e.getMessage());
        } catch (RuntimeException e) {
            log.error("WAL push of {} failed unexpectedly", file, e);
            return new WalSocketProtocol.Reply(1, "could not archive " + file + ": " + e);
        }
    }

    private WalSocketProtocol.Reply fetch(String name, Path destination) {
        try {
            FetchResult result = archive.fetch(name, destination);
            return result instanceof FetchResult.NotFound
                    ? new WalSocketProtocol.Reply(1, name + " is not in the archive")
                    : WalSocketProtocol.Reply.done("restored " + name);
        } catch (WalArchiveException e) {
            return new WalSocketProtocol.Reply(FAILED, e.getMessage());
        } catch (RuntimeException e) {
            log.error("WAL fetch of {} failed unexpectedly", name, e);
            return new WalSocketProtocol.Reply(FAILED, "could not restore " + name + ": " + e);
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
        pushAhead.close();
        archive.close();
    }
}
