package io.steward.coordination;

/** The znode {@code primary-term}: the database's own election term and the member it elected then. */
record PrimaryTerm(long term, String member) {}
