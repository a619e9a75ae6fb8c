package io.steward.engine.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandRunnerTest {

    @Test
    void theLastLineIsTheLastReportARedrawingProgramPrinted() {
        assertThat(CommandRunner.lastLine("starting\n 10/100 kB (10%)\r 20/100 kB (20%)\r"))
                .hasValue("20/100 kB (20%)");
        assertThat(CommandRunner.lastLine("one\ntwo\n\n")).hasValue("two");
        assertThat(CommandRunner.lastLine("")).isEmpty();
        assertThat(CommandRunner.lastLine(" \r\n")).isEmpty();
    }
}
