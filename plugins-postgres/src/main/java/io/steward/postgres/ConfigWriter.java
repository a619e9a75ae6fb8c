package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.Peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
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
 */
final class ConfigWriter {
    static final String STEWARD_CONF = "steward.conf";
    static final String PASSFILE = "steward.pgpass";
    static final String STANDBY_SIGNAL = "standby.signal";
    static final String RECOVERY_SIGNAL = "recovery.signal";
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
        ensureIncluded();
        writeFile(passfile(), passfileLine());
        writeFile(dataDir().resolve("pg_hba.conf"), hbaConf());
        return writeFile(dataDir().resolve(STEWARD_CONF), stewardConf(upstream));
    }

    /** Whether steward.conf would change if written for {@code upstream}. */
    boolean differs(Optional<Peer> upstream) {
        Path file = dataDir().resolve(STEWARD_CONF);
        try {
            return !Files.exists(file) || !Files.readString(file).equals(stewardConf(upstream));
        } catch (IOException e) {
            return true;
        }
    }

    void markStandby(boolean standby) {
        Path signal = dataDir().resolve(STANDBY_SIGNAL);
        try {
            if (standby) {
                writeFile(signal, "");
            } else {
                Files.deleteIfExists(signal);
                Files.deleteIfExists(dataDir().resolve(RECOVERY_SIGNAL));
            }
        } catch (IOException e) {
            throw new EngineException("cannot update " + signal + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes synchronous_standby_names copied from another node's postgresql.auto.conf: on a replica it means
     * nothing, and kept until a promotion it would make the new primary wait for standbys the core never chose.
     */
    void dropCopiedSynchronousStandbys() {
        Path autoConf = dataDir().resolve("postgresql.auto.conf");
        try {
            if (!Files.exists(autoConf)) {
                return;
            }
            List<String> lines = Files.readAllLines(autoConf);
            List<String> kept = lines.stream()
                    .filter(line -> !line.strip().startsWith("synchronous_standby_names")).toList();
            if (kept.size() != lines.size()) {
                writeFile(autoConf, String.join("\n", kept) + "\n");
            }
        } catch (IOException e) {
            throw new EngineException("cannot update " + autoConf + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the next start an archive recovery: steward.conf for a primary plus the recovery target, the set's files
     * in the data directory, and recovery.signal. The target settings stay until {@link #writeNodeConfiguration}
     * replaces them after the promotion.
     */
    void prepareArchiveRecovery(Map<String, String> files, Optional<Instant> targetTime) {
        ensureIncluded();
        writeFile(passfile(), passfileLine());
        writeFile(dataDir().resolve("pg_hba.conf"), hbaConf());
        StringBuilder conf = new StringBuilder(stewardConf(Optional.empty()));
        conf.append("# Point-in-time recovery from a snapshot set; removed once the server is promoted\n");
        targetTime.ifPresent(time -> setting(conf, "recovery_target_time", RECOVERY_TIME.format(time)));
        setting(conf, "recovery_target_action", "promote");
        writeFile(dataDir().resolve(STEWARD_CONF), conf.toString());
        writeBackupFiles(files);
        try {
            Files.deleteIfExists(dataDir().resolve(STANDBY_SIGNAL));
        } catch (IOException e) {
            throw new EngineException("cannot remove " + STANDBY_SIGNAL + ": " + e.getMessage(), e);
        }
        writeFile(dataDir().resolve(RECOVERY_SIGNAL), "");
    }

    /** The files pg_backup_stop returned (backup_label, tablespace_map), where recovery from the backup reads them. */
    void writeBackupFiles(Map<String, String> files) {
        files.forEach((name, content) -> writeFile(dataDir().resolve(name), content));
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
        StringBuilder hba = new StringBuilder("# Written by Steward; the extra lines from its pg_hba setting come first.\n");
        settings.extraHbaLines().forEach(line -> hba.append(line).append('\n'));
        hba.append("local all all peer\n");
        for (String network : List.of("0.0.0.0/0", "::/0")) {
            hba.append("host replication ").append(settings.replicationUser()).append(' ').append(network)
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

    private void ensureIncluded() {
        Path postgresqlConf = dataDir().resolve("postgresql.conf");
        try {
            List<String> lines = Files.readAllLines(postgresqlConf);
            if (lines.stream().noneMatch(line -> line.strip().equals(INCLUDE_LINE))) {
                List<String> updated = new ArrayList<>(lines);
                updated.add("");
                updated.add("# Steward's settings; keep this the last line so that they win.");
                updated.add(INCLUDE_LINE);
                writeFile(postgresqlConf, String.join("\n", updated) + "\n");
            }
        } catch (IOException e) {
            throw new EngineException("cannot read " + postgresqlConf + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces a file atomically, owned like the data directory and readable by its owner only.
     *
     * @return whether the content changed
     */
    private boolean writeFile(Path file, String content) {
        try {
            if (Files.exists(file) && Files.readString(file).equals(content)) {
                return false;
            }
            Path temporary = file.resolveSibling(file.getFileName() + ".steward-tmp");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            copyOwnership(dataDir(), temporary);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new EngineException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void copyOwnership(Path from, Path to) throws IOException {
        PosixFileAttributes owner = Files.readAttributes(from, PosixFileAttributes.class);
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        UserPrincipal user = owner.owner();
        GroupPrincipal group = owner.group();
        if (!view.getOwner().equals(user)) {
            view.setOwner(user);
        }
        if (!view.readAttributes().group().equals(group)) {
            view.setGroup(group);
        }
    }

    private Path dataDir() {
        return settings.dataDir();
    }

    private static void setting(StringBuilder conf, String name, String value) {
        conf.append(name).append(" = '").append(value.replace("\\", "\\\\").replace("'", "''")).append("'\n");
    }

    private static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String passfileValue(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }
}
