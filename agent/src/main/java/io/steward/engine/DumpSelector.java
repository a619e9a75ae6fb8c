package io.steward.engine;

/** Which archived dump a new cluster starts from: the newest one, or one by its exact name. */
public sealed interface DumpSelector {
    String LATEST = "latest";

    /** The newest dump in the archive. */
    record Latest() implements DumpSelector {
        @Override
        public String toString() {
            return LATEST;
        }
    }

    /** Exactly this dump. */
    record Named(DumpName name) implements DumpSelector {
        @Override
        public String toString() {
            return name.toString();
        }
    }

    /**
     * Reads {@code latest} or an exact {@link DumpName}; nothing else, so that a typo is a configuration error
     * rather than a search through the archive.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    static DumpSelector parse(String text) {
        if (text.equals(LATEST)) {
            return new Latest();
        }
        try {
            return new Named(DumpName.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("latest, or the exact name of an archived dump: " + DumpName.FORM, e);
        }
    }
}
