package io.steward.it;

import java.util.Properties;

/** A PostgreSQL server a {@link WriteLoad} writes to. */
public interface WriteTarget extends LoadTarget {
    String jdbcUrl();

    Properties connectionProperties();
}
