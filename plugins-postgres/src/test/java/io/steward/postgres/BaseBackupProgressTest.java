package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.progress.Progress;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BaseBackupProgressTest {
    private static final Duration ELAPSED = Duration.ofSeconds(12);

    @Test
    void aProgressReportIsTheBytesCopiedOfTheEstimate() {
        assertThat(BaseBackupProgress.parse("cloning", "24570/38577 kB (63%), 0/1 tablespace", ELAPSED))
                .hasValue(Progress.bytes("cloning", 24570L * 1024, OptionalLong.of(38577L * 1024), ELAPSED));
        assertThat(BaseBackupProgress.parse(
                                "cloning",
                                "    0/205412 kB (0%), 0/1 tablespace (/var/lib/postgresql/data/backup_label )",
                                ELAPSED)
                        .orElseThrow()
                        .percent())
                .hasValue(0);
    }

    @Test
    void pastTheEstimateTheTotalIsWhatWasCopied() {
        assertThat(BaseBackupProgress.parse("cloning", "38600/38577 kB (100%), 1/1 tablespace", ELAPSED)
                        .orElseThrow()
                        .total())
                .hasValue(38600L * 1024);
    }

    @Test
    void otherLinesAreNoReport() {
        assertThat(BaseBackupProgress.parse("cloning", "pg_basebackup: initiating base backup", ELAPSED))
                .isEmpty();
        assertThat(BaseBackupProgress.parse("cloning", "waiting for checkpoint", ELAPSED))
                .isEmpty();
    }

    @Test
    void theLatestReportIsKeptForHealth() {
        BaseBackupProgress copy = new BaseBackupProgress("pg1");
        assertThat(copy.latest()).isEmpty();

        copy.accept("10/100 kB (10%), 0/1 tablespace");
        copy.accept("waiting for checkpoint");

        assertThat(copy.latest()).hasValueSatisfying(progress -> {
            assertThat(progress.what()).isEqualTo("cloning from pg1");
            assertThat(progress.done()).isEqualTo(10L * 1024);
            assertThat(progress.percent()).hasValue(10);
        });
    }
}
