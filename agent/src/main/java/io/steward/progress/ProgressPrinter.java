package io.steward.progress;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Shows progress to someone running a command. On a terminal it redraws one line per step, and a new step starts a
 * new line, so each finished step stays on screen. Elsewhere (a log, a pipe) it prints plain lines: each new step,
 * within a step at most one line per {@link #PLAIN_INTERVAL} of its elapsed time, and a step's last report (where it
 * ended) before the next step or the end.
 */
public final class ProgressPrinter implements Consumer<Progress> {
    public static final Duration PLAIN_INTERVAL = Duration.ofSeconds(5);

    private final PrintWriter out;
    private final boolean terminal;
    private String step;
    private Duration lastPrinted = Duration.ZERO;
    private int openLineLength = -1;
    /** A step's latest report that was not printed, in plain lines. */
    private Progress unprinted;

    public ProgressPrinter(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Redraws on a terminal ({@code System.console()} is there), plain lines otherwise. */
    public static ProgressPrinter forConsole(PrintWriter out) {
        return new ProgressPrinter(out, System.console() != null);
    }

    @Override
    public synchronized void accept(Progress progress) {
        boolean newStep = !progress.what().equals(step);
        step = progress.what();
        if (terminal) {
            redraw(ProgressFormat.terminalLine(progress), newStep);
        } else if (newStep || progress.elapsed().minus(lastPrinted).compareTo(PLAIN_INTERVAL) >= 0) {
            if (newStep) {
                printUnprinted();
            }
            out.println(ProgressFormat.plainLine(progress));
            lastPrinted = progress.elapsed();
            unprinted = null;
        } else {
            unprinted = progress;
        }
        out.flush();
    }

    /**
     * While the caller waits on something that says nothing of its progress: on a terminal, {@code what} and the time
     * since now, redrawn every {@code every} until the ticker is closed; elsewhere nothing (a log learns the outcome).
     */
    public Ticker ticking(String what, Duration every) {
        if (!terminal) {
            return () -> {};
        }
        long started = System.nanoTime();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "progress-ticker");
            thread.setDaemon(true);
            return thread;
        });
        clock.scheduleAtFixedRate(
                () -> accept(Progress.step(what, Duration.ofNanos(System.nanoTime() - started))),
                0,
                every.toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> {
            clock.shutdownNow();
            try {
                clock.awaitTermination(every.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finish();
        };
    }

    /** Stops redrawing, and ends the line. */
    public interface Ticker extends AutoCloseable {
        @Override
        void close();
    }

    /** Ends the line being redrawn, so that what follows starts on a line of its own. */
    public synchronized void finish() {
        printUnprinted();
        if (openLineLength >= 0) {
            out.println();
            out.flush();
            openLineLength = -1;
        }
    }

    private void printUnprinted() {
        if (unprinted != null) {
            out.println(ProgressFormat.plainLine(unprinted));
            out.flush();
            unprinted = null;
        }
    }

    private void redraw(String line, boolean newStep) {
        if (openLineLength >= 0 && newStep) {
            out.println();
        } else if (openLineLength >= 0) {
            out.print('\r');
        }
        out.print(line);
        int drawn = line.length();
        if (!newStep && openLineLength > drawn) {
            // blanks over what the longer line before left on screen
            out.print(" ".repeat(openLineLength - drawn));
            drawn = openLineLength;
        }
        openLineLength = drawn;
    }
}
