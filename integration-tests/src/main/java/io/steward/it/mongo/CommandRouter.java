package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.exception.MongoServerException;
import io.netty.channel.Channel;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one member's commands, each holding the network's monitor: hello first, then the replica-set and admin
 * commands this server models, then everything else through {@link DataCommands}. Replies of an initiated member carry
 * {@code $clusterTime} and {@code operationTime}, as a replica-set member's do.
 */
final class CommandRouter implements MemberServer.Commands {
    private static final Set<String> ADMIN_ONLY = Set.of(
            "replsetinitiate",
            "replsetreconfig",
            "replsetgetconfig",
            "replsetgetstatus",
            "replsetstepdown",
            "replsetfreeze",
            "fsync",
            "fsyncunlock",
            "currentop",
            "getcmdlineopts");
    private static final byte[] UNSIGNED = new byte[20];

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;
    private final Executor workers;
    private final HelloCommand hello;
    private final ReplSetConfigureCommands configure;
    private final ReplSetStateChangeCommands stateChange;
    private final ReplSetStatusReport status;
    private final AdminCommands admin;
    private final DataCommands data;
    private final AtomicInteger connectionIds = new AtomicInteger();
    private long lastOpId;

    CommandRouter(ReplicaSetNetwork network, ReplicaSetNode node, Executor workers) {
        this.network = network;
        this.node = node;
        this.workers = workers;
        this.hello = new HelloCommand(network, node);
        this.configure = new ReplSetConfigureCommands(network, node);
        this.stateChange = new ReplSetStateChangeCommands(network, node);
        this.status = new ReplSetStatusReport(network, node);
        this.admin = new AdminCommands(network, node, hello);
        this.data = new DataCommands(network, node);
    }

    @Override
    public int connected(Channel channel) {
        node.currentConnections.incrementAndGet();
        node.totalConnections.incrementAndGet();
        return connectionIds.incrementAndGet();
    }

    @Override
    public void disconnected(Channel channel) {
        node.currentConnections.decrementAndGet();
        try {
            // off the event loop: cleaning up takes the network's monitor, which a command may hold for a while
            workers.execute(() -> {
                synchronized (network) {
                    node.storage.handleClose(channel);
                }
            });
        } catch (RejectedExecutionException e) {
            // the fixture is closing: there is nothing left to clean up for
        }
    }

    @Override
    public Document run(Document command, String database, Channel channel, int connectionId) {
        synchronized (network) {
            Document reply;
            try {
                reply = dispatch(command, database, channel, connectionId);
            } catch (CommandFailure failure) {
                reply = failure.toReply();
                if (failure.error.isStateChange()) {
                    reply.put("topologyVersion", node.topologyVersion());
                }
            } catch (MongoServerError e) {
                reply = new Document("ok", 0.0)
                        .append("errmsg", e.getMessageWithoutErrorCode())
                        .append("code", e.getCode())
                        .append("codeName", e.getCodeName());
            } catch (MongoServerException e) {
                reply = new Document("ok", 0.0).append("errmsg", e.getMessageWithoutErrorCode());
            } catch (RuntimeException e) {
                // a bug in this server: say so in the reply, where the failing test shows it
                reply = new CommandFailure(ErrorCode.INTERNAL_ERROR, e.toString()).toReply();
            }
            if (node.isActiveMember()) {
                reply.put(
                        "$clusterTime",
                        new Document("clusterTime", network.clusterTime())
                                .append("signature", new Document("hash", new BinData(UNSIGNED)).append("keyId", 0L)));
                reply.put("operationTime", node.lastApplied().timestamp());
            }
            return reply;
        }
    }

    private Document dispatch(Document command, String database, Channel channel, int connectionId) {
        String commandName = command.keySet().iterator().next();
        String name = commandName.toLowerCase(Locale.ROOT);
        if (name.equals("hello") || name.equals("ismaster")) {
            return hello.run(command, name.equals("ismaster"), connectionId);
        }
        if (ADMIN_ONLY.contains(name) && !database.equals("admin")) {
            throw CommandFailure.adminOnly(commandName);
        }
        InFlightOperation operation = new InFlightOperation(
                ++lastOpId,
                connectionId,
                String.valueOf(channel.remoteAddress()).replaceFirst("^/", ""),
                operationType(name),
                namespace(name, commandName, command, database),
                command,
                network.now());
        node.operations.put(operation.opId, operation);
        try {
            return switch (name) {
                case "replsetinitiate" -> configure.initiate(command);
                case "replsetreconfig" -> configure.reconfig(command);
                case "replsetgetconfig" -> configure.getConfig(command);
                case "replsetgetstatus" -> status.build();
                case "replsetstepdown" -> stateChange.stepDown(command);
                case "replsetfreeze" -> stateChange.freeze(command);
                case "fsync" -> admin.fsync(command);
                case "fsyncunlock" -> admin.fsyncUnlock();
                case "currentop" -> admin.currentOp(command);
                case "getcmdlineopts" -> admin.cmdLineOpts();
                case "serverstatus" -> admin.serverStatus();
                default -> data.run(name, commandName, command, database, channel, operation);
            };
        } finally {
            node.operations.remove(operation.opId);
        }
    }

    /** currentOp's {@code op}: the CRUD kinds by name, everything else a command. */
    private static String operationType(String name) {
        return switch (name) {
            case "insert", "update" -> name;
            case "delete" -> "remove";
            case "find" -> "query";
            case "getmore" -> "getmore";
            default -> "command";
        };
    }

    private static String namespace(String name, String commandName, Document command, String database) {
        boolean onCollection = Set.of("insert", "update", "delete", "find").contains(name);
        return onCollection ? database + "." + command.get(commandName) : database + ".$cmd";
    }
}
