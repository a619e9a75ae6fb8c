package io.steward.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * How far archive recovery has replayed: the last replayed record's position and the commit time of the last
 * replayed transaction, which is what a target time is compared with.
 *
 * @param lsn {@code pg_last_wal_replay_lsn()}
 * @param lastTransaction {@code pg_last_xact_replay_timestamp()}, empty until a transaction has been replayed
 */
record ReplayPosition(String lsn, Optional<Instant> lastTransaction) {

    /** Empty when the server replays nothing (it never was in recovery). */
    static Optional<ReplayPosition> read(Connection db) throws SQLException {
        try (Statement statement = db.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp()")) {
            rs.next();
            String lsn = rs.getString(1);
            if (lsn == null) {
                return Optional.empty();
            }
            return Optional.of(new ReplayPosition(
                    lsn,
                    Optional.ofNullable(rs.getObject(2, OffsetDateTime.class)).map(OffsetDateTime::toInstant)));
        }
    }

    /**
     * {@code at 0/3000060, last transaction 2026-11-22T09:29:48Z, 12 s before the target 2026-11-22T09:30:00Z}; without
     * a target, against the end of the archive.
     */
    String against(Optional<Instant> target) {
        String transaction = lastTransaction
                .map(at -> "last transaction " + at.truncatedTo(ChronoUnit.SECONDS))
                .orElse("no transaction replayed yet");
        String goal = target.map(t -> lastTransaction
                        .filter(at -> at.isBefore(t))
                        .map(at -> Duration.between(at, t).toSeconds() + " s before the target " + t)
                        .orElse("target " + t))
                .orElse("replaying to the end of the archive");
        return "at " + lsn + ", " + transaction + ", " + goal;
    }
}
