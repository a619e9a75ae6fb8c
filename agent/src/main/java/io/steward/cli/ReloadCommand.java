package io.steward.cli;

import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "reload",
        description = "Has a member's database server reread its configuration files, without a restart "
                + "(the engine's own way, e.g. a SIGHUP). The agent's own configuration is read only at its start.")
final class ReloadCommand extends ConfirmedCommand {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "MEMBER",
            description = "The member to reload (default: the one the agent of --api runs).")
    String member;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, java.io.IOException {
        MemberAgent target = MemberAgent.find(client, Optional.ofNullable(member));
        String name = target.member().name();
        confirm("Reload the configuration of " + target.describe() + "?", "reload " + name);
        return target.client().post("/reload", Map.of("member", name));
    }
}
