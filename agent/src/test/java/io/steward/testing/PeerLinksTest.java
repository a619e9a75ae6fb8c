package io.steward.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.server.quorum.QuorumCnxManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The election relays readdress what a server says about itself, so that the server it greets dials it back through
 * a relay too (the partitionable ensemble's fidelity rests on it); the quorum relays carry bytes untouched.
 */
class PeerLinksTest {
    private static final byte[] VOTE = "a vote".getBytes(StandardCharsets.UTF_8);

    /** The real ports of two servers, 0 and 1. */
    private final List<ServerSocket> quorum = new ArrayList<>();

    private final List<ServerSocket> election = new ArrayList<>();
    private PeerLinks links;

    @BeforeEach
    void openLinksBetweenTwoServers() throws IOException {
        List<PeerLinks.PeerPorts> ports = new ArrayList<>();
        for (int server = 0; server < 2; server++) {
            quorum.add(listen());
            election.add(listen());
            ports.add(new PeerLinks.PeerPorts(
                    quorum.get(server).getLocalPort(), election.get(server).getLocalPort()));
        }
        links = PeerLinks.open(ports);
    }

    @AfterEach
    void close() throws IOException {
        links.close();
        for (ServerSocket socket : quorum) {
            socket.close();
        }
        for (ServerSocket socket : election) {
            socket.close();
        }
    }

    @Test
    @Timeout(30)
    void aGreetingThroughAnElectionRelayNamesTheRelayBackAndTheRestPassesUntouched() throws Exception {
        try (Socket server0 = new Socket("127.0.0.1", links.electionPort(0, 1));
                Socket atServer1 = election.get(1).accept()) {
            greet(server0, realElectionAddress(0));

            DataInputStream in = new DataInputStream(atServer1.getInputStream());
            assertThat(readGreeting(in)).isEqualTo("127.0.0.1:" + links.electionPort(1, 0));
            assertThat(in.readNBytes(VOTE.length)).isEqualTo(VOTE);
        }
    }

    @Test
    @Timeout(30)
    void aQuorumRelayCarriesTheSameBytesUntouched() throws Exception {
        try (Socket server0 = new Socket("127.0.0.1", links.quorumPort(0, 1));
                Socket atServer1 = quorum.get(1).accept()) {
            greet(server0, realElectionAddress(0));

            DataInputStream in = new DataInputStream(atServer1.getInputStream());
            assertThat(readGreeting(in)).isEqualTo(realElectionAddress(0));
            assertThat(in.readNBytes(VOTE.length)).isEqualTo(VOTE);
        }
    }

    private String realElectionAddress(int server) {
        return "127.0.0.1:" + election.get(server).getLocalPort();
    }

    /** What a ZooKeeper server with id 1 sends first to another's election port, then a message. */
    private static void greet(Socket socket, String selfAddress) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        byte[] address = selfAddress.getBytes(StandardCharsets.UTF_8);
        out.writeLong(QuorumCnxManager.PROTOCOL_VERSION_V1);
        out.writeLong(1);
        out.writeInt(address.length);
        out.write(address);
        out.write(VOTE);
        out.flush();
    }

    /** @return the address the greeting names, after checking it comes from server 1 */
    private static String readGreeting(DataInputStream in) throws IOException {
        assertThat(in.readLong()).isEqualTo(QuorumCnxManager.PROTOCOL_VERSION_V1);
        assertThat(in.readLong()).as("the sender's id").isEqualTo(1);
        byte[] address = new byte[in.readInt()];
        in.readFully(address);
        return new String(address, StandardCharsets.UTF_8);
    }

    private static ServerSocket listen() throws IOException {
        ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(5_000);
        return socket;
    }
}
