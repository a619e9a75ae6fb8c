package io.steward.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class MongoDriverLoggingTest {
    @Test
    void theDriversInfoLinesAreQuietAndItsWarningsStay() {
        Logger monitor = (Logger) LoggerFactory.getLogger(MongoPlugin.DRIVER_LOGGER + ".cluster");

        MongoPlugin.quietDriverLogging();

        assertThat(monitor.isInfoEnabled()).isFalse();
        assertThat(monitor.isWarnEnabled()).isTrue();
    }
}
