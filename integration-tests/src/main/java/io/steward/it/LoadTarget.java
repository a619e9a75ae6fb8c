package io.steward.it;

/** A server a {@link WriteLoad} writes to; its acknowledgements are recorded under its name. */
public interface LoadTarget {
    String name();
}
