package io.steward.it;

import java.util.Properties;

/** A database server a {@link WriteLoad} writes to. */
public interface WriteTarget {
    String name();

    String jdbcUrl();

    Properties connectionProperties();
}
