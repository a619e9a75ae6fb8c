package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.RewindFailedException.Next;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RewindFailureTest {
    private static final String LOST_WAL = "pg_rewind: error: could not find previous WAL record at 0/3000060";

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pg_rewind: error: could not connect to server: connection to server at \"10.0.0.2\", port 5432 failed",
                "pg_rewind: error: connection to server at \"10.0.0.2\" failed: Connection refused",
                "pg_rewind: error: server closed the connection unexpectedly",
                "FATAL:  the database system is starting up"
            })
    void whatMayPassIsTriedAgainWhateverTheSetting(String output) {
        assertThat(RewindFailure.judge(output, true, dataDir).next()).isEqualTo(Next.RETRY);
        assertThat(RewindFailure.judge(output, false, dataDir).next()).isEqualTo(Next.RETRY);
    }

    @Test
    void byDefaultAnOperatorDecidesOnANewClone() {
        RewindFailure.Verdict verdict = RewindFailure.judge(LOST_WAL, false, dataDir);
        assertThat(verdict.next()).isEqualTo(Next.WAIT_FOR_OPERATOR);
        assertThat(verdict.explanation())
                .contains("postgresql.reinitialize_on_rewind_failure")
                .contains("steward reinitialize");
    }

    @Test
    void withTheOptInAndRoomTheReplicaIsClonedAgain() throws IOException {
        Files.write(dataDir.resolve("base.dat"), new byte[1 << 20]);
        RewindFailure.Verdict verdict = RewindFailure.judge(LOST_WAL, true, dataDir);
        assertThat(verdict.next()).isEqualTo(Next.REINITIALIZE);
        assertThat(verdict.explanation()).startsWith("reinitialising").contains("1.1 MiB needed");
    }

    @Test
    void withTheOptInButNoRoomForASecondCopyNothingIsMovedAside() throws IOException {
        // larger than any filesystem's free space here: a sparse file counts at its length
        try (var file = new java.io.RandomAccessFile(dataDir.resolve("huge.dat").toFile(), "rw")) {
            file.setLength(Files.getFileStore(dataDir).getTotalSpace() + (1L << 30));
        }
        RewindFailure.Verdict verdict = RewindFailure.judge(LOST_WAL, true, dataDir);
        assertThat(verdict.next()).isEqualTo(Next.WAIT_FOR_OPERATOR);
        assertThat(verdict.explanation())
                .contains("not reinitialising: moving " + dataDir + " aside and cloning it again " + "needs about")
                .contains("free on its filesystem, which has");
    }

    @Test
    void linksInTheDataDirectoryAreNotFollowedWhenItIsMeasured() throws IOException {
        Path elsewhere = Files.createTempFile("rewind-size", ".dat");
        try {
            Files.write(elsewhere, new byte[4 << 20]);
            Files.createSymbolicLink(dataDir.resolve("link.dat"), elsewhere);
            Files.write(dataDir.resolve("own.dat"), new byte[1000]);
            assertThat(RewindFailure.sizeOf(dataDir)).isEqualTo(1000);
        } finally {
            Files.delete(elsewhere);
        }
    }
}
