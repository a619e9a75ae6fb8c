package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import de.bwaldvogel.mongo.wire.OpCode;
import de.bwaldvogel.mongo.wire.message.ClientRequest;
import de.bwaldvogel.mongo.wire.message.MessageHeader;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import de.bwaldvogel.mongo.wire.message.MongoReply;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP side of one running member on 127.0.0.1: mongo-java-server's wire codecs (OP_MSG, and OP_QUERY for the
 * driver's first handshake), with each command handed to a worker thread so that a command may wait (an awaitable
 * hello, a write behind an fsync lock) without holding up other connections. Closing it closes the port and every
 * connection, which a driver sees as a network error.
 */
final class MemberServer {
    private static final int MORE_TO_COME = 1 << 1;
    private static final int EXHAUST_ALLOWED = 1 << 16;

    /** What the member does with connections and their commands. */
    interface Commands {
        int connected(Channel channel);

        void disconnected(Channel channel);

        Document run(Document command, String database, Channel channel, int connectionId);
    }

    private final Channel listener;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private MemberServer(int port, EventLoopGroup eventLoops, Executor workers, Commands commands) {
        AtomicInteger replyIds = new AtomicInteger();
        listener = new ServerBootstrap()
                .group(eventLoops)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        channel.pipeline()
                                .addLast(
                                        new MongoWireReplyEncoder(),
                                        new MongoWireMessageEncoder(),
                                        new WireDecoder(),
                                        new Connection(workers, commands, replyIds));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port))
                .syncUninterruptibly()
                .channel();
    }

    /** Listens on {@code port}, or on a free one when it is 0. */
    static MemberServer listen(int port, EventLoopGroup eventLoops, Executor workers, Commands commands) {
        return new MemberServer(port, eventLoops, workers, commands);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    void close() {
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    /**
     * mongo-java-server's decoder, taught two OP_MSG flags it refuses: exhaustAllowed, which the driver sets on its
     * awaitable hello (this server answers each such hello once and lets the driver ask again, as a server without
     * exhaust support may), and moreToCome, which marks an unacknowledged ({@code w: 0}) write that gets no reply.
     */
    private static final class WireDecoder extends MongoWireProtocolHandler {
        @Override
        protected ClientRequest decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
            int start = buffer.readerIndex();
            boolean moreToCome = false;
            boolean wholeMessage = buffer.readableBytes() >= 20 && buffer.readableBytes() >= buffer.getIntLE(start);
            if (wholeMessage && buffer.getIntLE(start + 12) == OpCode.OP_MSG.getId()) {
                int flags = buffer.getIntLE(start + 16);
                moreToCome = (flags & MORE_TO_COME) != 0;
                buffer.setIntLE(start + 16, flags & ~(MORE_TO_COME | EXHAUST_ALLOWED));
            }
            ClientRequest request = super.decode(ctx, buffer);
            return moreToCome && request instanceof MongoMessage message ? new UnacknowledgedMessage(message) : request;
        }
    }

    private static final class UnacknowledgedMessage extends MongoMessage {
        UnacknowledgedMessage(MongoMessage message) {
            super(message.getChannel(), message.getHeader(), message.getDocument());
        }
    }

    private static final class Connection extends SimpleChannelInboundHandler<ClientRequest> {
        private final Executor workers;
        private final Commands commands;
        private final AtomicInteger replyIds;
        private int connectionId;

        Connection(Executor workers, Commands commands, AtomicInteger replyIds) {
            this.workers = workers;
            this.commands = commands;
            this.replyIds = replyIds;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            connectionId = commands.connected(ctx.channel());
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            commands.disconnected(ctx.channel());
            super.channelInactive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ClientRequest request) {
            workers.execute(() -> answer(ctx.channel(), request));
        }

        private void answer(Channel channel, ClientRequest request) {
            MessageHeader header = new MessageHeader(
                    replyIds.incrementAndGet(), request.getHeader().getRequestID());
            if (request instanceof MongoQuery query) {
                Document command = query.getQuery();
                if (command.get("$query") instanceof Document wrapped) {
                    command = wrapped;
                }
                Document reply = commands.run(command, query.getDatabaseName(), channel, connectionId);
                channel.writeAndFlush(new MongoReply(header, List.of(reply), 0));
            } else if (request instanceof MongoMessage message) {
                Document reply = commands.run(message.getDocument(), message.getDatabaseName(), channel, connectionId);
                if (!(message instanceof UnacknowledgedMessage)) {
                    channel.writeAndFlush(new MongoMessage(channel, header, reply));
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.channel().close();
        }
    }
}
