package io.steward.postgres.wal;

import com.codahale.metrics.MetricRegistry;
import io.steward.cli.ConfigOptions;
import io.steward.cli.StewardCli;
import io.steward.store.BackupStoreConfig;
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
 * PostgreSQL's {@code archive_command}: {@code steward wal-push %p}. Runs in this process, without the agent. Exit
 * 0 only once S3 has acknowledged the object, because PostgreSQL recycles the segment on 0; on anything else it keeps
 * the segment and calls again later.
 */
@Command(
        name = "wal-push",
        mixinStandardHelpOptions = true,
        description = "Archive one WAL file to S3 (archive_command = 'steward wal-push %%p').",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:archived, or already archived with the same content",
            "1:not archived: S3 failed or unreachable, different content already archived under this name, "
                    + "or the file cannot be read (PostgreSQL retries)",
            "2:bad usage or invalid configuration (every problem is listed), or WAL archiving not enabled"
        })
public final class WalPushCommand implements Callable<Integer> {
    public static final int NOT_ARCHIVED = 1;
    public static final int INVALID = 2;

    @Mixin
    ConfigOptions options;

    @Mixin
    WalSocketOption socket;

    @Parameters(index = "0", paramLabel = "PATH", description = "the WAL file, as PostgreSQL's %%p")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path name = file.getFileName();
        try {
            new WalFileName(name == null ? "" : name.toString());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<WalCommandSupport.Loaded> loaded = WalCommandSupport.load(
                options,
                "wal-push",
                "archive_command = 'steward wal-push --config FILE %p'",
                spec.commandLine().getErr());
        if (loaded.isEmpty()) {
            return INVALID;
        }
        BackupStoreConfig store = loaded.get().store();
        try (WalArchive archive = new WalArchive(store, loaded.get().config().cluster(), new MetricRegistry())) {
            PushResult result = archive.push(file);
            spec.commandLine().getOut().println(archive.describe(name.toString(), result));
            return StewardCli.EXIT_OK;
        } catch (WalArchiveException e) {
            spec.commandLine().getErr().println("steward wal-push: " + e.getMessage());
            return NOT_ARCHIVED;
        }
    }
}
