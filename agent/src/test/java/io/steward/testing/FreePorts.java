package io.steward.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for test servers, below Linux's ephemeral range (32768+) so that no short-lived client connection can be
 * sitting on them, and never the same one twice in a JVM.
 */
public final class FreePorts {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {}

    public static synchronized int next() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                HANDED_OUT.add(port);
                return port;
            } catch (IOException e) {
                // taken; try another
            }
        }
        throw new IllegalStateException("no free port found between 20000 and 32000");
    }
}
