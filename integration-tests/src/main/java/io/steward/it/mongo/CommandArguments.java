package io.steward.it.mongo;

/** How mongod reads command arguments. */
final class CommandArguments {
    private CommandArguments() {}

    /** A flag as mongod's trueValue() reads it: true, or any non-zero number. */
    static boolean isTrue(Object value) {
        return value instanceof Boolean bool ? bool : value instanceof Number number && number.doubleValue() != 0;
    }
}
