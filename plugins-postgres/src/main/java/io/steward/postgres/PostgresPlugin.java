package io.steward.postgres;

import io.steward.engine.BackupSection;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.EngineService;
import io.steward.engine.ServiceContext;
import io.steward.engine.UserDataKeys;
import io.steward.postgres.wal.WalBackupSection;
import io.steward.postgres.wal.WalFetchCommand;
import io.steward.postgres.wal.WalPushCommand;
import io.steward.postgres.wal.WalService;
import io.steward.postgres.wal.WalSocketClient;

import java.util.List;
import java.util.Set;

/**
 * PostgreSQL streaming replication, with Steward electing the primary, and its WAL archive in the backup store:
 * {@code backup.wal}, the {@code wal-push} and {@code wal-fetch} commands, and the agent's side of them.
 */
public final class PostgresPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "postgresql";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new PostgresUserData();
    }

    @Override
    public Engine create(EngineContext context) {
        return new PostgresEngine(context, PostgresSettings.read(context));
    }

    @Override
    public List<Object> commands() {
        return List.of(new WalPushCommand(), new WalFetchCommand());
    }

    @Override
    public Set<String> commandVariables() {
        return Set.of(WalSocketClient.SOCKET_VARIABLE);
    }

    @Override
    public List<BackupSection> backupSections() {
        return List.of(new WalBackupSection());
    }

    @Override
    public List<EngineService> services(ServiceContext context) {
        return List.of(WalService.start(context));
    }
}
