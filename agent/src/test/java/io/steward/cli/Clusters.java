package io.steward.cli;

import io.steward.admin.AdminJson;
import io.steward.engine.Role;
import java.util.List;
import java.util.Map;

/** {@code GET /cluster} answers for the renderers' tests, built member by member. */
final class Clusters {
    private Clusters() {}

    /** A healthy member at 10.0.0.N:5432, priority 100, agent 0.1.0, reporting nothing more. */
    static Member member(String name, Role role) {
        return new Member(
                name,
                role,
                false,
                null,
                "10.0.0." + name.charAt(name.length() - 1) + ":5432",
                0,
                1,
                null,
                new AdminJson.Tags(false, 100),
                "0.1.0",
                null,
                false,
                Map.of(),
                null);
    }

    /** A member being built: each wither returns a changed copy. */
    record Member(
            String name,
            Role role,
            boolean leader,
            String problem,
            String database,
            long lagBytes,
            long timeline,
            String upstream,
            AdminJson.Tags tags,
            String agentVersion,
            Long replayDelayMillis,
            boolean pendingRestart,
            Map<String, String> engineTags,
            String dsn) {
        Member leading() {
            return new Member(
                    name,
                    role,
                    true,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member failing(String why) {
            return new Member(
                    name,
                    role,
                    leader,
                    why,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member lag(long bytes, Long delayMillis) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    bytes,
                    timeline,
                    upstream,
                    tags,
                    agentVersion,
                    delayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member timeline(long newTimeline) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    newTimeline,
                    upstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member streamingFrom(String newUpstream) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    newUpstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member tagged(boolean noFailover, int priority, Map<String, String> newEngineTags) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    new AdminJson.Tags(noFailover, priority),
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    newEngineTags,
                    dsn);
        }

        Member awaitingRestart() {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    true,
                    engineTags,
                    dsn);
        }

        Member version(String newVersion) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    tags,
                    newVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }

        Member connectedBy(String newDsn) {
            return new Member(
                    name,
                    role,
                    leader,
                    problem,
                    database,
                    lagBytes,
                    timeline,
                    upstream,
                    tags,
                    agentVersion,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    newDsn);
        }

        AdminJson.Member json() {
            return new AdminJson.Member(
                    name,
                    role,
                    leader,
                    problem == null,
                    problem,
                    database,
                    "http://" + (database == null ? "?" : database.replace(":5432", ":8008")),
                    1000,
                    lagBytes,
                    timeline,
                    upstream,
                    false,
                    tags,
                    agentVersion,
                    0,
                    null,
                    replayDelayMillis,
                    pendingRestart,
                    engineTags,
                    dsn);
        }
    }

    static AdminJson.Cluster cluster(Member... members) {
        return cluster(null, members);
    }

    static AdminJson.Cluster cluster(AdminJson.Connections connections, Member... members) {
        List<AdminJson.Member> json =
                List.of(members).stream().map(Member::json).toList();
        String leader = json.stream()
                .filter(AdminJson.Member::leader)
                .map(AdminJson.Member::name)
                .findFirst()
                .orElse(null);
        return new AdminJson.Cluster(leader, 7, false, "pg1", json, null, null, Map.of(), null, List.of(), connections);
    }
}
