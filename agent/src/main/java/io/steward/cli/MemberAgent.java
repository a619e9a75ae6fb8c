package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The agent of the member a command is about: the agent of {@code --api} when it runs that member (or none is named),
 * else the one at the {@code apiUrl} the member publishes in {@code GET /cluster}, as patronictl does.
 *
 * @param client a client of that member's agent
 * @param member the member, as {@code GET /cluster} shows it
 * @param cluster the cluster, as the agent of {@code --api} last read it
 */
record MemberAgent(AdminClient client, AdminJson.Member member, AdminJson.Cluster cluster) {

    /**
     * @param named the member named on the command line; empty for the one the agent of {@code --api} runs
     * @throws ApiCommand.Stop (exit code 1) when the member is unknown or publishes no API
     */
    static MemberAgent find(AdminClient local, Optional<String> named)
            throws AdminClient.AgentUnreachable, IOException {
        AdminJson.Cluster cluster = read(local, "/cluster", AdminJson.Cluster.class);
        String name = named.isPresent() ? named.get() : localName(local);
        AdminJson.Member member = cluster.members().stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new ApiCommand.Stop(
                        "no member named '" + name + "'; members: "
                                + cluster.members().stream()
                                        .map(AdminJson.Member::name)
                                        .collect(Collectors.joining(", ")),
                        StewardCli.EXIT_REFUSED));
        if (named.isEmpty() || named.get().equals(localName(local))) {
            return new MemberAgent(local, member, cluster);
        }
        if (member.apiUrl() == null || member.apiUrl().isBlank()) {
            throw new ApiCommand.Stop(name + " publishes no admin API address", StewardCli.EXIT_REFUSED);
        }
        return new MemberAgent(local.at(URI.create(member.apiUrl())), member, cluster);
    }

    /** The member the agent runs: {@code GET /health} names it, healthy (200) or not (503). */
    private static String localName(AdminClient local) throws AdminClient.AgentUnreachable, IOException {
        AdminClient.Response health = local.get("/health");
        String name = ApiCommand.JSON.readTree(health.body()).path("name").asText("");
        if (name.isEmpty()) {
            throw refused(local, health);
        }
        return name;
    }

    /** A read that must succeed, as {@code type}. */
    static <T> T read(AdminClient client, String path, Class<T> type) throws AdminClient.AgentUnreachable, IOException {
        AdminClient.Response response = client.get(path);
        if (!response.successful()) {
            throw refused(client, response);
        }
        return ApiCommand.JSON.readValue(response.body(), type);
    }

    private static ApiCommand.Stop refused(AdminClient client, AdminClient.Response response) {
        return new ApiCommand.Stop(
                "the agent refused (HTTP " + response.status() + "): " + client.errorMessage(response),
                StewardCli.EXIT_REFUSED);
    }

    /** The member's role in words, with "(primary)" spelled out as the one that holds the lease. */
    String describe() {
        return member.name() + " (" + member.role().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    boolean isPrimary() {
        return member.leader();
    }
}
