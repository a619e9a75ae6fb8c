package io.steward.it;

/** A redis-server on 127.0.0.1 that a {@link WriteLoad} writes to. */
public interface RedisTarget extends LoadTarget {
    int databasePort();
}
