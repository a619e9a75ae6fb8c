package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.Role;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the primary, one physical replication slot per other member ({@link SlotPlan}), and a registry in the agent's
 * state directory of the slots Steward created, so that it never drops a slot it did not make.
 */
final class SlotKeeper {
    private static final Logger log = LoggerFactory.getLogger(SlotKeeper.class);

    private final String memberName;
    private final Path registry;
    private final StatusProbe status;
    private final PostgresConnection connection;

    /** @param registry the file listing the slots Steward created on this node */
    SlotKeeper(String memberName, Path registry, StatusProbe status, PostgresConnection connection) {
        this.memberName = memberName;
        this.registry = registry;
        this.status = status;
        this.connection = connection;
    }

    void reconcile(Set<String> memberNames) {
        if (status.probe().role() != Role.PRIMARY) {
            return;
        }
        Set<String> wanted = SlotPlan.wanted(memberNames, memberName);
        Set<String> ours = readRegistry();
        ours.addAll(wanted);
        try {
            connection.query("reconcile replication slots failed", db -> {
                SlotPlan plan = SlotPlan.of(wanted, existingSlots(db), ours);
                for (String slot : plan.create()) {
                    log.info("Creating replication slot {}", slot);
                    callWithName(db, "SELECT pg_create_physical_replication_slot(?, true)", slot);
                }
                for (String slot : plan.drop()) {
                    log.info("Dropping replication slot {} of a member that left", slot);
                    callWithName(db, "SELECT pg_drop_replication_slot(?)", slot);
                    ours.remove(slot);
                }
                return plan;
            });
        } finally {
            writeRegistry(ours);
        }
    }

    /** The physical, permanent slots, each with whether a replica streams from it now. */
    private static Map<String, Boolean> existingSlots(Connection db) throws SQLException {
        Map<String, Boolean> existing = new HashMap<>();
        try (Statement statement = db.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical' AND NOT temporary")) {
            while (rs.next()) {
                existing.put(rs.getString(1), rs.getBoolean(2));
            }
        }
        return existing;
    }

    private static void callWithName(Connection db, String sql, String name) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, name);
            statement.execute();
        }
    }

    /** The slots Steward created on this node. */
    private Set<String> readRegistry() {
        try (HeldDirectory stateDir = HeldDirectory.open(registry.getParent(), FileOwner.ROOT)) {
            return stateDir.readText(registry.getFileName().toString())
                    .map(text -> new TreeSet<>(text.lines()
                            .map(String::strip)
                            .filter(s -> !s.isEmpty())
                            .toList()))
                    .orElseGet(TreeSet::new);
        } catch (NoSuchFileException e) {
            return new TreeSet<>();
        } catch (IOException e) {
            throw new EngineException("cannot read " + registry + ": " + e.getMessage(), e);
        }
    }

    private void writeRegistry(Set<String> slots) {
        try {
            Files.createDirectories(registry.getParent());
            try (HeldDirectory stateDir = HeldDirectory.open(registry.getParent(), FileOwner.ROOT)) {
                stateDir.replace(
                        registry.getFileName().toString(),
                        slots.stream().map(slot -> slot + "\n").collect(Collectors.joining()));
            }
        } catch (IOException e) {
            throw new EngineException("cannot write " + registry + ": " + e.getMessage(), e);
        }
    }
}
