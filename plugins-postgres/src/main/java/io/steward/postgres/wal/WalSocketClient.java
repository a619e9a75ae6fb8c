package io.steward.postgres.wal;

import io.steward.files.FileVersion;
import io.steward.files.HeldDirectory;
import io.steward.postgres.wal.WalSocketProtocol.Operation;
import io.steward.postgres.wal.WalSocketProtocol.Reply;
import io.steward.postgres.wal.WalSocketProtocol.Request;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fast path of {@code wal-push} and {@code wal-fetch}: hand the request to the running agent over its Unix
 * socket, before anything else is loaded (no configuration, no S3 client, no compression library), and exit with
 * the agent's answer. When no agent listens there the command runs in its own process instead; when the agent
 * answers, its answer stands, failures included.
 *
 * <p>The file work is done here, with the rights of whoever runs the command (PostgreSQL's user): a push sends the
 * file's bytes unless the agent confirms the file's version as uploaded ahead, a fetch writes the bytes the agent
 * sends back to a hidden file, syncs it and renames it into place.
 */
public final class WalSocketClient {
    static final String SOCKET_OPTION = "--socket";
    public static final String SOCKET_VARIABLE = "STEWARD_WAL_SOCKET";
    private static final Path DEFAULT_SOCKET = Path.of("/run/steward/wal.sock");
    /** The options of {@link ConfigOptions} that take a value. */
    private static final Set<String> CONFIG_OPTIONS = Set.of("--config", "--user-data", "--set");

    private WalSocketClient() {}

    /** The exit code when the agent took the request; empty when the command must run in-process. */
    static Optional<Integer> tryAgent(
            String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        if (args.length == 0 || !(args[0].equals("wal-push") || args[0].equals("wal-fetch"))) {
            return Optional.empty();
        }
        Path socket = Optional.ofNullable(environment.get(SOCKET_VARIABLE))
                .map(Path::of)
                .orElse(DEFAULT_SOCKET);
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals(SOCKET_OPTION) && i + 1 < args.length) {
                socket = Path.of(args[++i]);
            } else if (args[i].startsWith(SOCKET_OPTION + "=")) {
                socket = Path.of(args[i].substring(SOCKET_OPTION.length() + 1));
            } else if (CONFIG_OPTIONS.contains(args[i]) && i + 1 < args.length) {
                i++; // where the configuration comes from only matters when the work is done in-process
            } else if (args[i].startsWith("-")) {
                String option = args[i];
                if (!option.equals("--imds") && CONFIG_OPTIONS.stream().noneMatch(o -> option.startsWith(o + "="))) {
                    return Optional.empty(); // let the full command line parser say what is wrong
                }
            } else {
                positional.add(args[i]);
            }
        }
        boolean push = args[0].equals("wal-push");
        if (positional.size() != (push ? 1 : 2) || !Files.exists(socket)) {
            return Optional.empty();
        }
        // PostgreSQL gives %p relative to the data directory, its working directory
        Path path = Path.of(positional.get(push ? 0 : 1)).toAbsolutePath().normalize();
        String name = push ? String.valueOf(path.getFileName()) : positional.get(0);
        if (!WalFileName.isWalFileName(name) || path.getParent() == null) {
            return Optional.empty(); // the full command line says what is wrong with it
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return Optional.empty(); // a stale socket file: no agent listens
        }
        Reply reply;
        try (channel) {
            reply = push ? push(channel, socket, path) : fetch(channel, name, path);
        } catch (LocalFileException e) {
            reply = new Reply(push ? 1 : 3, e.getMessage());
        } catch (IOException e) {
            // the agent may or may not have done it: a push is retried by PostgreSQL (and is idempotent)
            reply = new Reply(push ? 1 : 3, "the agent at " + socket + " did not answer: " + e.getMessage());
        }
        (reply.exitCode() == 0 ? out : err).println("steward " + args[0] + " (agent): " + reply.message());
        return Optional.of(reply.exitCode());
    }

    /** A problem with the file on this side, not with the agent. */
    private static final class LocalFileException extends IOException {
        LocalFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Asks the agent on {@code channel} to confirm the file as uploaded ahead, and only when it cannot, sends the
     * file's bytes on a second connection.
     */
    private static Reply push(SocketChannel channel, Path socket, Path file) throws IOException {
        FileChannel content;
        FileVersion version;
        try {
            content = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            version = versionOf(file);
        } catch (IOException e) {
            throw new LocalFileException("cannot read " + file + ": " + e, e);
        }
        try (content) {
            String name = file.getFileName().toString();
            channel.write(ByteBuffer.wrap(Request.confirm(name, version).line().getBytes(StandardCharsets.UTF_8)));
            channel.shutdownOutput();
            Reply confirmed =
                    Reply.parse(WalSocketProtocol.readLine(Channels.newInputStream(channel)), Operation.CONFIRM);
            if (confirmed.exitCode() == 0) {
                return confirmed;
            }
            try (SocketChannel bytes = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                bytes.connect(UnixDomainSocketAddress.of(socket));
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(bytes), 1 << 16);
                out.write(Request.push(name, content.size()).line().getBytes(StandardCharsets.UTF_8));
                WalSocketProtocol.copyExactly(Channels.newInputStream(content), out, content.size());
                out.flush();
                bytes.shutdownOutput();
                return Reply.parse(WalSocketProtocol.readLine(Channels.newInputStream(bytes)), Operation.PUSH);
            }
        }
    }

    /** What {@code stat -c '%s %d %i %.9Z'} prints, as the launcher sends it. */
    private static FileVersion versionOf(Path file) throws IOException {
        Map<String, Object> stat = Files.readAttributes(file, "unix:size,dev,ino,ctime", LinkOption.NOFOLLOW_LINKS);
        return new FileVersion(
                (Long) stat.get("dev"),
                (Long) stat.get("ino"),
                (Long) stat.get("size"),
                ((FileTime) stat.get("ctime")).toInstant());
    }

    private static Reply fetch(SocketChannel channel, String name, Path destination) throws IOException {
        channel.write(ByteBuffer.wrap(Request.fetch(name).line().getBytes(StandardCharsets.UTF_8)));
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        Reply reply = Reply.parse(WalSocketProtocol.readLine(in), Operation.FETCH);
        if (reply.exitCode() != 0) {
            return reply;
        }
        WalSocketProtocol.FileBytes file = new WalSocketProtocol.FileBytes(in, reply.size());
        try (HeldDirectory directory = HeldDirectory.openForCaller(destination.getParent())) {
            directory.replace(destination.getFileName().toString(), file);
        } catch (IOException e) {
            throw new LocalFileException(
                    "could not write " + destination + ": "
                            + file.violation()
                                    .map(how -> "the agent's answer " + how)
                                    .orElse(e.getMessage()),
                    e);
        }
        return reply;
    }
}
