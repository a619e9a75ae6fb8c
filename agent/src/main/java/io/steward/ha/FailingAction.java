package io.steward.ha;

import java.time.Instant;

/**
 * What the HA loop keeps trying and failing to do, for an operator asking why a node is not where it should be.
 *
 * @param action the action, as the decision table names it (e.g. {@code CloneFrom})
 * @param reason its latest failure, in the words of what refused it
 * @param since when this action first failed in the current run of failures
 */
public record FailingAction(String action, String reason, Instant since) {}
