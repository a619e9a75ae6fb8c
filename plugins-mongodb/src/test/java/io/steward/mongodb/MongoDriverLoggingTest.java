package io.steward.mongodb;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class MongoDriverLoggingTest {
    @Test
    void theDriversInfoLinesAreQuietAndItsWarningsStay() {
        Logger monitor = (Logger) LoggerFactory.getLogger(MongoPlugin.DRIVER_LOGGER + ".cluster");

        MongoPlugin.quietDriverLogging();

        assertThat(monitor.isInfoEnabled()).isFalse();
        assertThat(monitor.isWarnEnabled()).isTrue();
    }
}
