package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.Peer;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the files through which Steward configures a data directory.
 *
 * <p>Steward's settings live in {@value #STEWARD_CONF}, included at the end of postgresql.conf. Data directories
 * travel between nodes (pg_basebackup, pg_rewind), so that file is rewritten from this node's settings before every
 * start: it carries the node-local values (listen address, port, socket directory) and the replication source.
 *
 * <p>The agent runs as root and the data directory is the server user's, who may replace any file in it (or the
 * directory itself) with a link: every file here is read and written through the held data directory, never by
 * name, and a file that is not a regular file of that user is refused with its name.
 */
final class ConfigWriter {
    static final String STEWARD_CONF = "steward.conf";
    static final String PASSFILE = "steward.pgpass";
    static final String STANDBY_SIGNAL = "standby.signal";
    static final String RECOVERY_SIGNAL = "recovery.signal";
    static final String POSTGRESQL_CONF = "postgresql.conf";
    static final String AUTO_CONF = "postgresql.auto.conf";
    /** PostgreSQL's timestamp input, in UTC, to the microsecond. */
    private static final DateTimeFormatter RECOVERY_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

    private static final String INCLUDE_LINE = "include_if_exists = '" + STEWARD_CONF + "'";

    private final PostgresSettings settings;
    private final String memberName;

    ConfigWriter(PostgresSettings settings, String memberName) {
        this.settings = settings;
        this.memberName = memberName;
    }

    /** The replication slot name a member uses: slot names allow only lower-case letters, digits and '_'. */
    static String slotName(String memberName) {
        String name = memberName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /**
     * Makes the data directory this node's: steward.conf, pg_hba.conf and the passfile, with {@code upstream} as
     * the replication source (none for a primary or a replica that only replays local WAL).
     *
     * @return whether steward.conf changed
     */
    boolean writeNodeConfiguration(Optional<Peer> upstream) {
        return inDataDirectory(dir -> {
            ensureIncluded(dir);
            writeFile(dir, PASSFILE, passfileLine());
            writeFile(dir, "pg_hba.conf", hbaConf());
            return writeFile(dir, STEWARD_CONF, stewardConf(upstream));
        });
    }

    /** Whether steward.conf would change if written for {@code upstream}. */
    boolean differs(Optional<Peer> upstream) {
        try {
            return inDataDirectory(dir -> !readFile(dir, STEWARD_CONF).equals(Optional.of(stewardConf(upstream))));
        } catch (EngineException e) {
            return true;
        }
    }

    void markStandby(boolean standby) {
        inDataDirectory(dir -> {
            if (standby) {
                writeFile(dir, STANDBY_SIGNAL, "");
            } else {
                deleteFile(dir, STANDBY_SIGNAL);
                deleteFile(dir, RECOVERY_SIGNAL);
            }
            return null;
        });
    }

    /**
     * Removes synchronous_standby_names copied from another node's postgresql.auto.conf: on a replica it means
     * nothing, and kept until a promotion it would make the new primary wait for standbys the core never chose.
     */
    void dropCopiedSynchronousStandbys() {
        inDataDirectory(dir -> {
            Optional<String> autoConf = readFile(dir, AUTO_CONF);
            if (autoConf.isEmpty()) {
                return null;
            }
            List<String> lines = autoConf.get().lines().toList();
            List<String> kept = lines.stream()
                    .filter(line -> !line.strip().startsWith("synchronous_standby_names"))
                    .toList();
            if (kept.size() != lines.size()) {
                writeFile(dir, AUTO_CONF, String.join("\n", kept) + "\n");
            }
            return null;
        });
    }

    /**
     * Makes the next start an archive recovery: steward.conf for a primary plus the recovery target, the set's files
     * in the data directory, and recovery.signal. The target settings stay until {@link #writeNodeConfiguration}
     * replaces them after the promotion.
     */
    void prepareArchiveRecovery(Map<String, String> files, Optional<Instant> targetTime) {
        inDataDirectory(dir -> {
            ensureIncluded(dir);
            writeFile(dir, PASSFILE, passfileLine());
            writeFile(dir, "pg_hba.conf", hbaConf());
            StringBuilder conf = new StringBuilder(stewardConf(Optional.empty()));
            conf.append("# Point-in-time recovery from a snapshot set; removed once the server is promoted\n");
            targetTime.ifPresent(time -> setting(conf, "recovery_target_time", RECOVERY_TIME.format(time)));
            setting(conf, "recovery_target_action", "promote");
            writeFile(dir, STEWARD_CONF, conf.toString());
            files.forEach((name, content) -> writeFile(dir, name, content));
            deleteFile(dir, STANDBY_SIGNAL);
            writeFile(dir, RECOVERY_SIGNAL, "");
            return null;
        });
    }

    /** The files pg_backup_stop returned (backup_label, tablespace_map), where recovery from the backup reads them. */
    void writeBackupFiles(Map<String, String> files) {
        inDataDirectory(dir -> {
            files.forEach((name, content) -> writeFile(dir, name, content));
            return null;
        });
    }

    String stewardConf(Optional<Peer> upstream) {
        StringBuilder conf = new StringBuilder();
        conf.append("# Written by Steward before every start; change Steward's configuration instead.\n");
        conf.append("# Node-local: rewritten on each node because data directories are copied between nodes.\n");
        setting(conf, "listen_addresses", settings.listenAddress());
        setting(conf, "port", Integer.toString(settings.port()));
        setting(conf, "unix_socket_directories", settings.socketDir().toString());
        conf.append("# Replication\n");
        setting(conf, "wal_level", "replica");
        setting(conf, "hot_standby", "on");
        setting(conf, "wal_log_hints", "on"); // pg_rewind needs it
        setting(conf, "max_wal_senders", "10");
        setting(conf, "max_replication_slots", "10");
        setting(conf, "wal_keep_size", "256MB");
        setting(conf, "hot_standby_feedback", "on");
        // A replica whose primary just changed retries every 5 s by default: that would be part of the failover time.
        setting(conf, "wal_retrieve_retry_interval", "500ms");
        setting(conf, "recovery_target_timeline", "latest");
        setting(conf, "primary_conninfo", upstream.map(this::conninfo).orElse(""));
        setting(conf, "primary_slot_name", upstream.isPresent() ? slotName(memberName) : "");
        if (!settings.parameters().isEmpty()) {
            conf.append("# From the parameters setting\n");
            settings.parameters().forEach((name, value) -> setting(conf, name, value));
        }
        return conf.toString();
    }

    String hbaConf() {
        StringBuilder hba =
                new StringBuilder("# Written by Steward; the extra lines from its pg_hba setting come first.\n");
        settings.extraHbaLines().forEach(line -> hba.append(line).append('\n'));
        hba.append("local all all peer\n");
        for (String network : List.of("0.0.0.0/0", "::/0")) {
            hba.append("host replication ")
                    .append(settings.replicationUser())
                    .append(' ')
                    .append(network)
                    .append(" scram-sha-256\n");
        }
        for (String network : List.of("0.0.0.0/0", "::/0")) {
            hba.append("host all all ").append(network).append(" scram-sha-256\n");
        }
        return hba.toString();
    }

    /** Keeps the replication password off command lines and out of settings that SHOW would print. */
    private String conninfo(Peer primary) {
        return "host=" + conninfoValue(primary.database().host())
                + " port=" + primary.database().port()
                + " user=" + conninfoValue(settings.replicationUser())
                + " passfile=" + conninfoValue(passfile().toString())
                + " application_name=" + conninfoValue(memberName)
                + " connect_timeout=" + Math.max(1, settings.connectTimeout().toSeconds());
    }

    private String passfileLine() {
        return "*:*:*:" + passfileValue(settings.replicationUser()) + ":"
                + passfileValue(settings.replicationPassword()) + "\n";
    }

    Path passfile() {
        return dataDir().toAbsolutePath().resolve(PASSFILE);
    }

    private void ensureIncluded(HeldDirectory dir) {
        String text = readFile(dir, POSTGRESQL_CONF)
                .orElseThrow(() -> new EngineException(
                        "cannot read " + dir.path().resolve(POSTGRESQL_CONF) + ": there is no such file"));
        List<String> lines = text.lines().toList();
        if (lines.stream().noneMatch(line -> line.strip().equals(INCLUDE_LINE))) {
            List<String> updated = new ArrayList<>(lines);
            updated.add("");
            updated.add("# Steward's settings; keep this the last line so that they win.");
            updated.add(INCLUDE_LINE);
            writeFile(dir, POSTGRESQL_CONF, String.join("\n", updated) + "\n");
        }
    }

    /** Work in the data directory, held open as the server user's (see {@link HeldDirectory}). */
    private <T> T inDataDirectory(DataDirectoryWork<T> work) {
        try (HeldDirectory dir = HeldDirectory.open(dataDir(), FileOwner.lookup(settings.osUser()))) {
            return work.apply(dir);
        } catch (IOException e) {
            throw new EngineException("cannot use the data directory: " + e.getMessage(), e);
        }
    }

    private interface DataDirectoryWork<T> {
        T apply(HeldDirectory dir);
    }

    private static Optional<String> readFile(HeldDirectory dir, String name) {
        try {
            return dir.readText(name);
        } catch (IOException e) {
            throw new EngineException("cannot read " + dir.path().resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces a file durably (see {@link io.steward.files.DurableFileWriter}), as the server user's and readable
     * by it only; refuses a file that is not a regular file of that user.
     *
     * @return whether the content changed
     */
    private static boolean writeFile(HeldDirectory dir, String name, String content) {
        if (readFile(dir, name).filter(content::equals).isPresent()) {
            return false;
        }
        try {
            dir.replace(name, content);
            return true;
        } catch (IOException e) {
            throw new EngineException("cannot write " + dir.path().resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private static void deleteFile(HeldDirectory dir, String name) {
        try {
            dir.delete(name);
        } catch (IOException e) {
            throw new EngineException("cannot remove " + dir.path().resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private Path dataDir() {
        return settings.dataDir();
    }

    private static void setting(StringBuilder conf, String name, String value) {
        conf.append(name)
                .append(" = '")
                .append(value.replace("\\", "\\\\").replace("'", "''"))
                .append("'\n");
    }

    private static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String passfileValue(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }
}
