package io.steward.engine;

/** Another member of the cluster, as an engine needs to know it to replicate from it. */
public record Peer(String name, Endpoint database) {}
