package io.steward.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The relays between the servers of a ZooKeeper ensemble on 127.0.0.1: for each ordered pair of servers (from, to),
 * one {@link TcpProxy} to {@code to}'s quorum port and one to its election port, which carry the connections
 * {@code from} opens to {@code to}. The link between two servers is both pairs, both ports.
 */
final class PeerLinks implements AutoCloseable {
    /** A server's real ports, which the relays forward to. */
    record PeerPorts(int quorum, int election) {}

    /** Indexed [from][to]; nothing on the diagonal. */
    private final TcpProxy[][] quorum;

    private final TcpProxy[][] election;

    private PeerLinks(int servers) {
        this.quorum = new TcpProxy[servers][servers];
        this.election = new TcpProxy[servers][servers];
    }

    static PeerLinks open(List<PeerPorts> servers) throws IOException {
        int count = servers.size();
        // every election relay's port is known up front: the relay from a to b names the one from b to a
        int[][] electionPorts = new int[count][count];
        for (int from = 0; from < count; from++) {
            for (int to = 0; to < count; to++) {
                electionPorts[from][to] = from == to ? 0 : FreePorts.next();
            }
        }
        PeerLinks links = new PeerLinks(count);
        try {
            for (int from = 0; from < count; from++) {
                for (int to = 0; to < count; to++) {
                    if (from == to) {
                        continue;
                    }
                    links.quorum[from][to] = new TcpProxy(
                            FreePorts.next(), loopback(servers.get(to).quorum()));
                    links.election[from][to] = new TcpProxy(
                            electionPorts[from][to],
                            loopback(servers.get(to).election()),
                            ElectionGreeting.naming(loopback(electionPorts[to][from])));
                }
            }
            return links;
        } catch (IOException | RuntimeException e) {
            links.close();
            throw e;
        }
    }

    /** Where {@code from} reaches {@code to}'s quorum port (a leader's, when {@code from} follows it). */
    int quorumPort(int from, int to) {
        return quorum[from][to].port();
    }

    /** Where {@code from} reaches {@code to}'s election port. */
    int electionPort(int from, int to) {
        return election[from][to].port();
    }

    /** Blackholes every connection between {@code a} and {@code b}, whichever opened it. */
    void cut(int a, int b) {
        relaysBetween(a, b).forEach(TcpProxy::blackhole);
    }

    void heal(int a, int b) {
        relaysBetween(a, b).forEach(TcpProxy::pass);
    }

    private List<TcpProxy> relaysBetween(int a, int b) {
        if (a == b) {
            throw new IllegalArgumentException("no link from server " + a + " to itself");
        }
        return List.of(quorum[a][b], quorum[b][a], election[a][b], election[b][a]);
    }

    @Override
    public void close() {
        for (TcpProxy[][] relays : List.of(quorum, election)) {
            for (TcpProxy[] row : relays) {
                for (TcpProxy relay : row) {
                    if (relay != null) {
                        relay.close();
                    }
                }
            }
        }
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
