package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachedListingTest {
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong ownWrites = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private final CachedListing<Integer> listing =
            new CachedListing<>(reads::incrementAndGet, ownWrites::get, nanos::get);

    @Test
    void aListingIsKeptForAMinute() {
        assertThat(listing.get()).isEqualTo(1);
        nanos.addAndGet(CachedListing.MAX_AGE.toNanos() - 1);
        assertThat(listing.get()).isEqualTo(1);
        nanos.incrementAndGet();
        assertThat(listing.get()).isEqualTo(2);
    }

    @Test
    void whatThisAgentWritesAfterwardsIsListedAtOnce() {
        assertThat(listing.get()).isEqualTo(1);
        ownWrites.incrementAndGet();
        assertThat(listing.get()).isEqualTo(2);
        assertThat(listing.get()).as("no write since").isEqualTo(2);
    }

    @Test
    void aWriteDuringAReadIsNotMissed() {
        CachedListing<Integer> racing = new CachedListing<>(
                () -> {
                    ownWrites.incrementAndGet();
                    return reads.incrementAndGet();
                },
                ownWrites::get,
                nanos::get);

        assertThat(racing.get()).isEqualTo(1);
        assertThat(racing.get()).isEqualTo(2);
    }
}
