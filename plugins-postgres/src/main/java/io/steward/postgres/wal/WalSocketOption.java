package io.steward.postgres.wal;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --socket} option of wal-push and wal-fetch. {@link WalSocketClient} reads it before picocli runs; it is
 * declared here so that the full command line accepts it too when no agent listens.
 */
public class WalSocketOption {
    @Option(
            names = WalSocketClient.SOCKET_OPTION,
            paramLabel = "SOCKET",
            description = "the running agent's socket (default: $STEWARD_WAL_SOCKET, else /run/steward/wal.sock); "
                    + "without an agent there, the work is done in this process")
    Path socket;
}
