package io.steward.engine.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Cheap local checks of a database server's process, for {@link io.steward.engine.LeaseElected#serverProcessAlive()}. */
public final class ServerProcesses {
    private ServerProcesses() {}

    /** Whether {@code pid} is a live process; a zombie counts as dead. */
    public static boolean running(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() && !isZombie(pid);
    }

    /**
     * Whether {@code pid} is a live process running a program whose resolved path ends with one of
     * {@code programNames} (a pid file left by a crashed server may name a pid the system has since given to another
     * program).
     */
    public static boolean running(long pid, String... programNames) {
        return ProcessHandle.of(pid)
                        .filter(ProcessHandle::isAlive)
                        .filter(process -> process.info()
                                .command()
                                .map(command -> Arrays.stream(programNames).anyMatch(command::endsWith))
                                .orElse(true))
                        .isPresent()
                && !isZombie(pid);
    }

    /**
     * Whether {@code pid} is a live process of {@code user} running one of {@code programNames}: the check before a
     * signal from root, since the pid comes from a file that user writes (and could name any process).
     */
    public static boolean runningAs(long pid, String user, String... programNames) {
        return running(pid, programNames)
                && ProcessHandle.of(pid)
                        .flatMap(process -> process.info().user())
                        .filter(user::equals)
                        .isPresent();
    }

    /**
     * A killed server stays a zombie until its parent (often init) reaps it; it is dead all the same, and waiting
     * for the reaping would add to a crashed primary's downtime.
     */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int afterName = stat.lastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.length() && stat.charAt(afterName + 2) == 'Z';
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
