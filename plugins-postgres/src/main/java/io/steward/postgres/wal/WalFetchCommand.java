package io.steward.postgres.wal;

import com.codahale.metrics.MetricRegistry;
import io.steward.cli.ConfigOptions;
import io.steward.cli.StewardCli;
import io.steward.config.StewardConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * PostgreSQL's {@code restore_command}: {@code steward wal-fetch %f %p}. Runs in this process, without the agent.
 * PostgreSQL asks for files until one is missing, so a missing file is exit 1 with one short line, told apart from
 * real failures.
 */
@Command(
        name = "wal-fetch",
        mixinStandardHelpOptions = true,
        description = "Restore one WAL file from S3, verified (restore_command = 'steward wal-fetch %%f %%p').",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:restored and verified (SHA-256 and size)",
            "1:the archive has no such file",
            "2:bad usage or invalid configuration (every problem is listed), or WAL archiving not enabled",
            "3:not restored: S3 failed or unreachable, or the object is damaged or was changed (no file is left "
                    + "at the destination)"
        })
public final class WalFetchCommand implements Callable<Integer> {
    public static final int NOT_FOUND = 1;
    public static final int INVALID = 2;
    public static final int FAILED = 3;

    @Mixin
    ConfigOptions options;

    @Mixin
    WalSocketOption socket;

    @Parameters(index = "0", paramLabel = "NAME", description = "the WAL file's name, as PostgreSQL's %%f")
    String name;

    @Parameters(index = "1", paramLabel = "DESTINATION", description = "where to write it, as PostgreSQL's %%p")
    Path destination;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            new WalFileName(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<WalCommandSupport.Loaded> loaded = WalCommandSupport.load(
                options,
                "wal-fetch",
                "restore_command = 'steward wal-fetch --config FILE %f %p'",
                spec.commandLine().getErr());
        if (loaded.isEmpty()) {
            return INVALID;
        }
        StewardConfig config = loaded.get().config();
        try (WalArchive archive = new WalArchive(
                loaded.get().store(), config.cluster(), config.bootstrap().cloneSource(), new MetricRegistry())) {
            FetchResult result = archive.fetch(name, destination);
            if (result instanceof FetchResult.NotFound missing) {
                spec.commandLine()
                        .getErr()
                        .println("steward wal-fetch: " + name + " is not in the archive (s3://" + missing.bucket() + "/"
                                + missing.key() + ")");
                return NOT_FOUND;
            }
            spec.commandLine().getOut().println(WalArchive.describe(name, (FetchResult.Restored) result));
            return StewardCli.EXIT_OK;
        } catch (WalArchiveException e) {
            spec.commandLine().getErr().println("steward wal-fetch: " + e.getMessage());
            return FAILED;
        }
    }
}
