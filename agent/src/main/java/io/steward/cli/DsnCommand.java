package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
        name = "dsn",
        description =
                "Prints a connection string, in the form the database's own clients take, for the current primary, "
                        + "a replica, any member, or the named member.")
final class DsnCommand extends ApiCommand {
    enum Target {
        primary,
        replica,
        any
    }

    @Option(
            names = "--role",
            paramLabel = "ROLE",
            description = "primary (default), replica or any: the server a client wants; not with MEMBER.")
    Target role;

    @Parameters(arity = "0..1", paramLabel = "MEMBER", description = "A member to connect to, whatever its role.")
    String member;

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        if (role != null && member != null) {
            throw new ParameterException(spec.commandLine(), "give either --role or a MEMBER, not both");
        }
        return exchange(client, out, err);
    }

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/cluster");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException, Unsatisfied {
        out.println(choose(JSON.readValue(response.body(), AdminJson.Cluster.class), role, member));
    }

    /** The connection string asked for, or why there is none. */
    static String choose(AdminJson.Cluster cluster, Target role, String memberName) throws Unsatisfied {
        if (memberName != null) {
            AdminJson.Member member = cluster.members().stream()
                    .filter(m -> m.name().equals(memberName))
                    .findFirst()
                    .orElseThrow(() -> new Unsatisfied("no member named '" + memberName + "'"));
            if (member.dsn() == null) {
                throw new Unsatisfied(noConnectionStrings());
            }
            return member.dsn();
        }
        AdminJson.Connections connections = cluster.connections();
        if (connections == null) {
            throw new Unsatisfied(noConnectionStrings());
        }
        Target target = role == null ? Target.primary : role;
        String dsn = switch (target) {
            case primary -> connections.primary();
            case replica -> connections.replica();
            case any -> connections.any();
        };
        if (dsn == null) {
            throw new Unsatisfied(
                    switch (target) {
                        case primary ->
                            "no primary: no healthy member plays the primary now (steward status tells more)";
                        case replica -> "no replica: no healthy member replicates the primary now";
                        case any -> "no healthy member now";
                    });
        }
        return dsn;
    }

    private static String noConnectionStrings() {
        return "the agent gives no connection strings (its engine does not say how clients connect, or the agent is "
                + "older than steward dsn)";
    }
}
