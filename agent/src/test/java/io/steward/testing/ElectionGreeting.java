package io.steward.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.apache.zookeeper.server.quorum.QuorumCnxManager;

/**
 * What a ZooKeeper server sends first on a connection to another server's election port, with the sender's address
 * replaced. The greeting names the sender's own election address, and a receiver with the higher server id drops the
 * connection and dials that address back (ZooKeeper keeps only the connection opened by the higher id). Behind the
 * relays of a partitionable ensemble, the sender's own address is its real port, so the dial-back would bypass every
 * relay; naming instead the relay through which the receiver reaches the sender keeps it on a link that can be cut.
 */
final class ElectionGreeting extends InputStream {
    private final InputStream peer;
    private final byte[] senderAddress;
    /** The readdressed greeting, read on first use so that the relay thread, not the acceptor, waits for it. */
    private byte[] greeting;

    private int position;

    private ElectionGreeting(InputStream peer, InetSocketAddress senderAddress) {
        this.peer = peer;
        this.senderAddress =
                (senderAddress.getHostString() + ":" + senderAddress.getPort()).getBytes(StandardCharsets.UTF_8);
    }

    /** For {@link TcpProxy}: what a server sends, with its greeting naming it as {@code senderAddress}. */
    static UnaryOperator<InputStream> naming(InetSocketAddress senderAddress) {
        return peer -> new ElectionGreeting(peer, senderAddress);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (greeting == null) {
            greeting = readdressed();
        }
        if (position == greeting.length) {
            return peer.read(buffer, offset, length);
        }
        int count = Math.min(length, greeting.length - position);
        System.arraycopy(greeting, position, buffer, offset, count);
        position += count;
        return count;
    }

    @Override
    public void close() throws IOException {
        peer.close();
    }

    /**
     * Protocol versions 1 and 2 send: version (long), server id (long), then the length (int) and text of the
     * address ({@code host:port}, or several joined by {@code |}). Older servers sent only their id, naming no address.
     */
    private byte[] readdressed() throws IOException {
        DataInputStream in = new DataInputStream(peer);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        long version = in.readLong();
        out.writeLong(version);
        if (version == QuorumCnxManager.PROTOCOL_VERSION_V1 || version == QuorumCnxManager.PROTOCOL_VERSION_V2) {
            out.writeLong(in.readLong());
            int length = in.readInt();
            if (length <= 0 || length > QuorumCnxManager.maxBuffer) {
                throw new IOException("not a ZooKeeper election greeting: address of " + length + " bytes");
            }
            in.readFully(new byte[length]);
            out.writeInt(senderAddress.length);
            out.write(senderAddress);
        }
        return bytes.toByteArray();
    }
}
