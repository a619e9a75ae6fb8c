package io.steward.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Runs an action while the given filesystems are frozen, and thaws them whatever happens. */
public interface Freezer {
    <T> Frozen<T> whileFrozen(List<Path> mountPoints, Callable<T> action) throws Exception;
}
