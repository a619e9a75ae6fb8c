package io.steward.storage;

import java.time.Duration;

/** What ran while frozen, and for how long the filesystems were frozen. */
public record Frozen<T>(T value, Duration frozenFor) {}
