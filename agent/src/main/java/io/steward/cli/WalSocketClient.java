package io.steward.cli;

import io.steward.backup.WalSocketProtocol;
import io.steward.backup.WalSocketProtocol.Operation;
import io.steward.backup.WalSocketProtocol.Reply;
import io.steward.backup.WalSocketProtocol.Request;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 */
final class WalSocketClient {
    static final String SOCKET_OPTION = "--socket";
    static final String SOCKET_VARIABLE = "STEWARD_WAL_SOCKET";
    private static final Path DEFAULT_SOCKET = Path.of("/run/steward/wal.sock");
    /** The options of {@link ConfigOptions} that take a value. */
    private static final Set<String> CONFIG_OPTIONS = Set.of("--config", "--user-data", "--set");

    private WalSocketClient() {
    }

    /** The exit code when the agent took the request; empty when the command must run in-process. */
    static Optional<Integer> tryAgent(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        if (args.length == 0 || !(args[0].equals("wal-push") || args[0].equals("wal-fetch"))) {
            return Optional.empty();
        }
        Path socket = Optional.ofNullable(environment.get(SOCKET_VARIABLE)).map(Path::of).orElse(DEFAULT_SOCKET);
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
        // PostgreSQL gives %p relative to the data directory, its working directory; the agent works elsewhere
        Path path = Path.of(positional.get(push ? 0 : 1)).toAbsolutePath().normalize();
        Request request = push ? new Request(Operation.PUSH, "", path) : new Request(Operation.FETCH, positional.get(0), path);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return Optional.empty(); // a stale socket file: no agent listens
        }
        Reply reply;
        try (channel) {
            channel.write(ByteBuffer.wrap(request.line().getBytes(StandardCharsets.UTF_8)));
            reply = Reply.parse(WalSocketProtocol.readLine(Channels.newInputStream(channel)));
        } catch (IOException e) {
            // the agent may or may not have done it: a push is retried by PostgreSQL (and is idempotent)
            reply = new Reply(push ? 1 : 3, "the agent at " + socket + " did not answer: " + e.getMessage());
        }
        (reply.exitCode() == 0 ? out : err).println("steward " + args[0] + " (agent): " + reply.message());
        return Optional.of(reply.exitCode());
    }
}
