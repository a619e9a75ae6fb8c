package io.steward.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's HTTP plumbing: connections, timeouts, TLS, and who runs a request. What a request means is
 * {@link Handler}'s business.
 *
 * <p>Why Netty rather than the JDK's {@code HttpServer}: the JDK server reads a request's head with a blocking read on
 * one of its executor's threads, so every client that opens a connection and sends half a request holds a thread
 * until it finishes. Four such clients took every thread (and, with a caller-runs policy, the accepting thread too),
 * and {@code /health} stopped answering. Its system properties ({@code sun.net.httpserver.maxReqTime} and friends)
 * are JVM-wide, have a granularity of seconds, and only shorten the stall: 200 slow clients still hold 200 threads
 * each until their time runs out. Netty reads heads and bodies on one event-loop thread without blocking, so a slow
 * client costs a socket and a few buffers, never a thread; Netty is on the class path already (ZooKeeper's client
 * runs on it), so this adds only its HTTP codec.
 *
 * <p>Protection, in the order a connection meets it:
 * <ul>
 *   <li>at most {@code maxConnections} open at once; beyond that a new connection is closed at once;</li>
 *   <li>every connection must deliver a complete request (TLS handshake, head and body) within {@code requestTimeout}
 *       of being accepted or of its previous answer, or it is closed: a client that trickles bytes gains nothing;</li>
 *   <li>heads are limited to 4 KiB of request line and 8 KiB of headers, bodies to {@link #MAX_BODY_BYTES};</li>
 *   <li>a complete request runs on its lane's small thread pool with a bounded queue; when the queue is full the
 *       answer is 503 at once, from the event loop, instead of a request waiting without bound. Requests that take
 *       minutes (a snapshot, a dump) run on a lane of their own, so they never delay {@code /health},
 *       {@code /primary} or {@code POST /failsafe}.</li>
 * </ul>
 */
final class AdminHttpServer implements AutoCloseable {
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int MAX_REQUEST_LINE = 4096;
    private static final int MAX_HEADERS = 8192;
    private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);

    /** Which pool runs a request: a few threads each, so the API never competes with the HA loop for the machine. */
    enum Lane {
        /** Answers from memory or a quick ZooKeeper write: probes, status, operator requests, member-to-member calls. */
        QUICK(4, 32),
        /** Requests that wait for AWS or the database: taking a snapshot set or a dump, restoring, listing backups. */
        LONG(2, 4);

        private final int threads;
        private final int queue;

        Lane(int threads, int queue) {
            this.threads = threads;
            this.queue = queue;
        }
    }

    /** What requests mean. */
    interface Handler {
        Lane lane(String rawPath);

        /** The answer to a complete request; never throws for a bad request, which is an error answer. */
        Reply handle(AdminRequest request);

        /** The error answer with this status and message, in the API's format. */
        Reply error(int status, String message, Map<String, String> headers);
    }

    /**
     * @param requestTimeout the longest a connection may take to deliver a complete request (see above)
     * @param maxConnections how many connections may be open at once
     */
    record Limits(Duration requestTimeout, int maxConnections) {}

    private final Handler handler;
    private final Limits limits;
    private final Optional<SslContext> tls;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger refusedConnections = new AtomicInteger();
    private final Map<Lane, ThreadPoolExecutor> lanes = new EnumMap<>(Lane.class);
    private final EventLoopGroup eventLoop;
    private final Channel listener;

    /** Binds and starts serving at once. */
    AdminHttpServer(InetSocketAddress address, Optional<SslContext> tls, Limits limits, Handler handler) {
        this.handler = handler;
        this.limits = limits;
        this.tls = tls;
        for (Lane lane : Lane.values()) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(
                    lane.threads,
                    lane.threads,
                    30,
                    TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(lane.queue),
                    daemonThreads("steward-admin-" + lane.name().toLowerCase(Locale.ROOT)),
                    new ThreadPoolExecutor.AbortPolicy());
            pool.allowCoreThreadTimeOut(true);
            lanes.put(lane, pool);
        }
        // One thread accepts and does all the reading and writing: none of it ever blocks.
        eventLoop = new MultiThreadIoEventLoopGroup(1, daemonThreads("steward-admin-io"), NioIoHandler.newFactory());
        try {
            listener = new ServerBootstrap()
                    .group(eventLoop)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            accept(channel);
                        }
                    })
                    .bind(address)
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            shutDown();
            throw e;
        }
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        shutDown();
    }

    private void shutDown() {
        lanes.values().forEach(ThreadPoolExecutor::shutdownNow);
        // No quiet period: a health check cut off by a stopping agent is answered by the load balancer's next try.
        eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void accept(SocketChannel channel) {
        int open = openConnections.incrementAndGet();
        channel.closeFuture().addListener(closed -> openConnections.decrementAndGet());
        if (open > limits.maxConnections()) {
            // Logged once per run of refusals, not per connection: a flood must not flood the log as well.
            if (refusedConnections.getAndIncrement() == 0) {
                log.warn(
                        "admin API: {} connections open, the limit (admin.max_connections); refusing new ones",
                        limits.maxConnections());
            }
            channel.close();
            return;
        }
        if (refusedConnections.get() > 0) {
            log.warn("admin API: accepting connections again; {} refused meanwhile", refusedConnections.getAndSet(0));
        }
        tls.ifPresent(context -> {
            SslHandler ssl = context.newHandler(channel.alloc());
            ssl.setHandshakeTimeoutMillis(limits.requestTimeout().toMillis());
            channel.pipeline().addLast(ssl);
        });
        channel.pipeline()
                .addLast(
                        new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADERS, 8192),
                        new HttpServerExpectContinueHandler(),
                        new Exchange());
    }

    /**
     * One connection's requests, one at a time: reading pauses while a request runs, so answers go out in order and a
     * client that sends ahead is held back by TCP rather than by memory.
     */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private ScheduledFuture<?> deadline;
        private HttpRequest head;
        private ByteArrayOutputStream body;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            armDeadline(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancelDeadline();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            try {
                if (message instanceof HttpRequest request) {
                    if (failed(ctx, request.decoderResult())) {
                        return;
                    }
                    head = request;
                    body = new ByteArrayOutputStream();
                    if (HttpUtil.getContentLength(request, -1L) > MAX_BODY_BYTES) {
                        refuseBody(ctx);
                    }
                }
                if (message instanceof HttpContent content && head != null) {
                    if (failed(ctx, content.decoderResult())) {
                        return;
                    }
                    ByteBuf bytes = content.content();
                    if (body != null && body.size() + bytes.readableBytes() > MAX_BODY_BYTES) {
                        refuseBody(ctx);
                    } else if (body != null) {
                        bytes.readBytes(body, bytes.readableBytes());
                    }
                    if (content instanceof LastHttpContent) {
                        if (body == null) {
                            ctx.close();
                        } else {
                            dispatch(ctx);
                        }
                    }
                }
            } catch (IOException e) {
                ctx.close();
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        /**
         * Answers 413 at once and reads the rest of the body without keeping it (a client still sending would
         * otherwise see its connection reset rather than the answer); the request's deadline still applies.
         */
        private void refuseBody(ChannelHandlerContext ctx) {
            body = null;
            ctx.writeAndFlush(response(
                    handler.error(413, "request body larger than " + MAX_BODY_BYTES + " bytes", Map.of()), false));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that resets its connection or fails the TLS handshake: nothing to answer, nobody to tell.
            log.debug("admin API: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        /** A head or body the decoder could not read is answered and the connection closed: it cannot be resynchronised. */
        private boolean failed(ChannelHandlerContext ctx, DecoderResult result) {
            if (result.isSuccess()) {
                return false;
            }
            Throwable cause = result.cause();
            Reply reply = cause instanceof TooLongHttpHeaderException
                    ? handler.error(431, "request headers larger than " + MAX_HEADERS + " bytes", Map.of())
                    : cause instanceof TooLongHttpLineException
                            ? handler.error(414, "request line longer than " + MAX_REQUEST_LINE + " bytes", Map.of())
                            : handler.error(
                                    400,
                                    "malformed HTTP request"
                                            + (cause instanceof TooLongFrameException ? ": too long" : ""),
                                    Map.of());
            answerAndClose(ctx, reply);
            return true;
        }

        private void dispatch(ChannelHandlerContext ctx) {
            cancelDeadline();
            ctx.channel().config().setAutoRead(false);
            HttpRequest request = head;
            head = null;
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String uri = request.uri();
            int question = uri.indexOf('?');
            Map<String, String> headers = new HashMap<>();
            request.headers()
                    .forEach(
                            header -> headers.putIfAbsent(header.getKey().toLowerCase(Locale.ROOT), header.getValue()));
            AdminRequest adminRequest = new AdminRequest(
                    request.method().name(),
                    question < 0 ? uri : uri.substring(0, question),
                    question < 0 ? "" : uri.substring(question + 1),
                    Map.copyOf(headers),
                    body.toByteArray(),
                    remoteAddress(ctx));
            body = null;
            try {
                lanes.get(handler.lane(adminRequest.rawPath()))
                        .execute(() -> answer(ctx, run(adminRequest), keepAlive));
            } catch (RejectedExecutionException e) {
                answerAndClose(
                        ctx,
                        handler.error(503, "the admin API is busy; try again in a moment", Map.of("Retry-After", "1")));
            }
        }

        private Reply run(AdminRequest request) {
            try {
                return handler.handle(request);
            } catch (RuntimeException e) {
                log.error("admin API: {} {} failed", request.method(), request.rawPath(), e);
                return handler.error(500, "internal error; the agent's log has the details", Map.of());
            }
        }

        private void answer(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
            if (ctx.executor().isShuttingDown()) {
                return; // the API is closing: the connection goes with it
            }
            ctx.writeAndFlush(response(reply, keepAlive)).addListener((ChannelFutureListener) written -> {
                if (!keepAlive || !written.isSuccess()) {
                    ctx.close();
                    return;
                }
                armDeadline(ctx);
                ctx.channel().config().setAutoRead(true);
            });
        }

        private void answerAndClose(ChannelHandlerContext ctx, Reply reply) {
            cancelDeadline();
            head = null;
            body = null;
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(response(reply, false)).addListener(ChannelFutureListener.CLOSE);
        }

        private void armDeadline(ChannelHandlerContext ctx) {
            cancelDeadline();
            deadline = ctx.executor()
                    .schedule(
                            () -> {
                                log.debug(
                                        "admin API: closing the connection from {}: no complete request within {}",
                                        ctx.channel().remoteAddress(),
                                        limits.requestTimeout());
                                ctx.close();
                            },
                            limits.requestTimeout().toMillis(),
                            TimeUnit.MILLISECONDS);
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    private static FullHttpResponse response(Reply reply, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        // Health and status answers go stale at once; no proxy may serve them from a cache.
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        reply.headers().forEach(response.headers()::set);
        HttpUtil.setContentLength(response, reply.body().length);
        response.headers()
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return response;
    }

    private static String remoteAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
