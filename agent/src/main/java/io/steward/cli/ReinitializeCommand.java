package io.steward.cli;

import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "reinit",
        aliases = "reinitialize",
        description = "Clones a replica again from the primary: its data directory is moved aside (never deleted) "
                + "and a fresh copy taken. The way back for a replica that could not be rewound.")
final class ReinitializeCommand extends ConfirmedCommand {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "MEMBER",
            description = "The member to clone again (default: the one the agent of --api runs).")
    String member;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, java.io.IOException {
        MemberAgent target = MemberAgent.find(client, Optional.ofNullable(member));
        String name = target.member().name();
        confirm(
                "The data of " + target.describe() + " will be replaced by a fresh copy of the primary's (its data "
                        + "directory is moved aside, not deleted). Reinitialize " + name + "?",
                "reinitialize " + name);
        return target.client().post("/reinitialize", Map.of("member", name));
    }
}
