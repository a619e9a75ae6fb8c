package io.steward.coordination;

import java.util.Optional;
import java.util.function.Function;

/**
 * What one znode's content turned out to be: a value Steward can use, or the problem that keeps it from being used.
 *
 * @param value present exactly when {@code problem} is absent
 */
record Parsed<T>(Optional<T> value, Optional<StateProblem> problem) {

    static <T> Parsed<T> valid(T value) {
        return new Parsed<>(Optional.of(value), Optional.empty());
    }

    static <T> Parsed<T> invalid(StateProblem problem) {
        return new Parsed<>(Optional.empty(), Optional.of(problem));
    }

    <R> Parsed<R> map(Function<T, R> mapper) {
        return new Parsed<>(value.map(mapper), problem);
    }
}
