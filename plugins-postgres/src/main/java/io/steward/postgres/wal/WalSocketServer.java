package io.steward.postgres.wal;

import io.steward.files.FileOwner;
import io.steward.files.FileStat;
import io.steward.files.HeldDirectory;
import io.steward.files.UnsafeFileException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent's side of {@code wal-push} and {@code wal-fetch}: a Unix socket where those commands hand over
 * their request, so that the work runs on the agent's warm S3 client. One request per connection (see
 * {@link WalSocketProtocol}). It owns the archive and closes it.
 *
 * <p>The agent runs as root; the commands run as the database's user. So the agent opens no path a request names:
 * a push brings the file's bytes, and a fetch takes the verified bytes back for the command to write (safety rule
 * 9). Only that user (the owner of the socket file, mode 0600) and root may connect, checked again through the
 * peer's credentials, and the socket lives in a directory of root's that no one else can write, so that nobody
 * can put something else in its place.
 */
public final class WalSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalSocketServer.class);
    /** A failure that is neither "not in the archive" (1) nor a refused request (2): PostgreSQL tries again. */
    private static final int FAILED = 3;

    private final Path socket;
    private final WalArchive archive;
    private final FileOwner databaseUser;
    private final WalPushAhead pushAhead;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "wal-socket");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param walDirectory PostgreSQL's WAL directory, from which ready segments are pushed ahead
     * @param databaseUser owner of the socket file and, besides root, the only user that may connect
     * @param pushAhead how many ready segments to upload while PostgreSQL waits for an earlier one (see
     *        {@link WalPushAhead})
     * @throws UnsafeFileException when the socket's directory is not root's alone
     */
    public WalSocketServer(
            Path socket, WalArchive archive, Supplier<Path> walDirectory, FileOwner databaseUser, int pushAhead)
            throws IOException {
        this.socket = socket;
        this.archive = archive;
        this.databaseUser = databaseUser;
        Files.createDirectories(socket.getParent());
        requireRootsAlone(socket.getParent());
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // no one but root can replace the entry in this directory: what is changed here is the socket just bound
        PosixFileAttributeView view =
                Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(
                socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(databaseUser.name()));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        this.pushAhead = new WalPushAhead(archive, pushAhead, walDirectory, databaseUser);
        // the launcher asks for a confirm before it sends a file only when this mark says it may pay off
        if (pushAhead > 0) {
            Files.writeString(pushAheadMark(socket), "");
        } else {
            Files.deleteIfExists(pushAheadMark(socket));
        }
        workers.execute(this::acceptLoop);
        log.info("WAL requests taken on {} (for {} and root)", socket, databaseUser.name());
    }

    /**
     * Beside the socket, present while this agent uploads ready files ahead: the launcher then first asks it to
     * confirm the file as uploaded, which saves sending the bytes (see {@link WalSocketProtocol}). Without it the
     * launcher sends the bytes at once, saving a connection.
     */
    private static Path pushAheadMark(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".push-ahead");
    }

    /** Root's, and writable by root only: no other user can rename, remove or replace the socket. */
    private static void requireRootsAlone(Path directory) throws IOException {
        try (HeldDirectory held = HeldDirectory.open(directory, FileOwner.ROOT)) {
            FileStat stat = held.stat();
            if ((stat.permissions() & 022) != 0) {
                throw new UnsafeFileException(directory + " is writable by users other than root (mode "
                        + Integer.toOctalString(stat.permissions()) + "); the WAL socket needs a directory that only "
                        + "root can change");
            }
        }
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
        try (connection;
                InputStream in = new BufferedInputStream(Channels.newInputStream(connection), 1 << 16);
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(connection), 1 << 16)) {
            try {
                answer(connection, in, out);
            } catch (RuntimeException e) {
                // costs this request only: the socket keeps serving the next
                log.error("WAL socket request failed unexpectedly", e);
                write(out, new WalSocketProtocol.Reply(FAILED, "the agent failed: " + e));
            }
        } catch (IOException e) {
            log.warn("WAL socket request failed: {}", e.getMessage());
        }
    }

    private void answer(SocketChannel connection, InputStream in, OutputStream out) throws IOException {
        UnixDomainPrincipal peer = connection.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String user = peer.user().getName();
        if (!user.equals("root") && !user.equals(databaseUser.name())) {
            write(out, WalSocketProtocol.Reply.refused("user " + user + " may not use this socket"));
            return;
        }
        WalSocketProtocol.Request request;
        try {
            request = WalSocketProtocol.Request.parse(WalSocketProtocol.readLine(in));
        } catch (IllegalArgumentException e) {
            write(out, WalSocketProtocol.Reply.refused(e.getMessage()));
            return;
        }
        switch (request.operation()) {
            case PUSH -> write(out, push(request, in));
            case CONFIRM ->
                write(
                        out,
                        pushAhead
                                .confirm(request.name(), request.version().orElseThrow())
                                .map(result -> WalSocketProtocol.Reply.done(archive.describe(request.name(), result)))
                                .orElseGet(() -> WalSocketProtocol.Reply.unconfirmed(
                                        "this version of " + request.name() + " was not uploaded ahead; send it")));
            case FETCH -> fetch(request.name(), out);
        }
    }

    /** Archives the bytes as they arrive: nothing is uploaded unless exactly the announced number came. */
    private WalSocketProtocol.Reply push(WalSocketProtocol.Request request, InputStream in) {
        WalSocketProtocol.FileBytes file = new WalSocketProtocol.FileBytes(in, request.size());
        try {
            return WalSocketProtocol.Reply.done(
                    archive.describe(request.name(), pushAhead.push(request.name(), request.size(), file)));
        } catch (WalArchiveException e) {
            // too few or too many bytes are the request's fault, not the archive's
            return file.violation()
                    .map(how -> WalSocketProtocol.Reply.refused("the request for " + request.name() + " " + how))
                    .orElseGet(() -> new WalSocketProtocol.Reply(1, e.getMessage()));
        } catch (RuntimeException e) {
            log.error("WAL push of {} failed unexpectedly", request.name(), e);
            return new WalSocketProtocol.Reply(1, "could not archive " + request.name() + ": " + e);
        }
    }

    /** Restores into a private directory of the agent's, then sends the verified file. */
    private void fetch(String name, OutputStream out) throws IOException {
        Path staging = Files.createTempDirectory("steward-wal-fetch-");
        try (HeldDirectory held = HeldDirectory.open(staging, FileOwner.ROOT)) {
            FetchResult result;
            try {
                result = archive.fetch(name, held, name);
            } catch (WalArchiveException e) {
                write(out, new WalSocketProtocol.Reply(FAILED, e.getMessage()));
                return;
            } catch (RuntimeException e) {
                log.error("WAL fetch of {} failed unexpectedly", name, e);
                write(out, new WalSocketProtocol.Reply(FAILED, "could not restore " + name + ": " + e));
                return;
            }
            if (result instanceof FetchResult.NotFound) {
                write(out, new WalSocketProtocol.Reply(1, name + " is not in the archive"));
                return;
            }
            try (InputStream restored = held.openForReading(name)) {
                long size = ((FetchResult.Restored) result).size();
                out.write(
                        WalSocketProtocol.Reply.restored(size, WalArchive.describe(name, (FetchResult.Restored) result))
                                .line()
                                .getBytes(StandardCharsets.UTF_8));
                WalSocketProtocol.copyExactly(restored, out, size);
                out.flush();
            } finally {
                held.delete(name);
            }
        } finally {
            Files.deleteIfExists(staging);
        }
    }

    private static void write(OutputStream out, WalSocketProtocol.Reply reply) throws IOException {
        out.write(reply.line().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(pushAheadMark(socket));
        } catch (IOException e) {
            log.warn("closing the WAL socket: {}", e.getMessage());
        }
        workers.shutdownNow();
        pushAhead.close();
        archive.close();
    }
}
