package io.steward.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.config.Route53Config.ReaderRouting;
import io.steward.config.Route53Config.RecordType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

class RecordPlanTest {
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final Target DB01 = new Target("db01", RecordType.CNAME, "db01.example.net");
    private static final Target DB02 = new Target("db02", RecordType.CNAME, "db02.example.net");
    private static final Target DB03 = new Target("db03", RecordType.CNAME, "db03.example.net");

    @Test
    void aMissingRecordIsUpserted() {
        ResourceRecordSet wanted = RecordPlan.single("DB.example.net", DB01, TTL);

        assertThat(wanted.name()).isEqualTo("db.example.net.");
        assertThat(wanted.type()).isEqualTo(RRType.CNAME);
        assertThat(wanted.ttl()).isEqualTo(60L);
        assertThat(RecordPlan.changes(List.of(wanted), List.of())).containsExactly(upsert(wanted));
    }

    @Test
    void aRecordThatIsAlreadyRightNeedsNoChange() {
        // Route 53 may answer a host name with a final dot or in other case; DNS does not care, neither do we
        ResourceRecordSet listed = set("db.example.net.", RRType.CNAME, 60, "DB01.example.net.");

        assertThat(RecordPlan.changes(List.of(RecordPlan.single("db.example.net", DB01, TTL)), List.of(listed)))
                .isEmpty();
    }

    @Test
    void anotherValueOrTtlIsReplacedInPlace() {
        ResourceRecordSet wanted = RecordPlan.single("db.example.net", DB02, TTL);

        assertThat(RecordPlan.changes(
                        List.of(wanted), List.of(set("db.example.net.", RRType.CNAME, 60, "db01.example.net"))))
                .containsExactly(upsert(wanted));
        assertThat(RecordPlan.changes(
                        List.of(wanted), List.of(set("db.example.net.", RRType.CNAME, 300, "db02.example.net"))))
                .containsExactly(upsert(wanted));
    }

    @Test
    void aRecordOfTheOtherTypeIsDeletedExactlyAsListedBeforeTheUpsert() {
        ResourceRecordSet oldAddress = set("db.example.net.", RRType.A, 300, "10.0.0.5");
        ResourceRecordSet notOurs = set("db.example.net.", RRType.TXT, 300, "\"owner=ops\"");
        ResourceRecordSet wanted = RecordPlan.single("db.example.net", DB01, TTL);

        assertThat(RecordPlan.changes(List.of(wanted), List.of(oldAddress, notOurs)))
                .containsExactly(delete(oldAddress), upsert(wanted));
    }

    @Test
    void readersGetOneWeightedEntryPerReplicaNamedByMember() {
        List<ResourceRecordSet> readers =
                RecordPlan.readers("ro.example.net", List.of(DB02, DB03), ReaderRouting.WEIGHTED, TTL);

        assertThat(readers).extracting(ResourceRecordSet::setIdentifier).containsExactly("db02", "db03");
        assertThat(readers).extracting(ResourceRecordSet::weight).containsOnly(RecordPlan.READER_WEIGHT);
        assertThat(readers).extracting(ResourceRecordSet::multiValueAnswer).containsOnlyNulls();
    }

    @Test
    void readersOfMembersNoLongerListedAreRemovedAndNewOnesAddedInOneBatch() {
        ResourceRecordSet db01 = weighted("db01", "db01.example.net");
        ResourceRecordSet db02 = weighted("db02", "db02.example.net");
        List<ResourceRecordSet> wanted =
                RecordPlan.readers("ro.example.net", List.of(DB02, DB03), ReaderRouting.WEIGHTED, TTL);

        List<Change> changes = RecordPlan.changes(wanted, List.of(db01, db02));

        assertThat(changes).containsExactly(delete(db01), upsert(wanted.get(1)));
    }

    @Test
    void switchingReadersFromWeightedToMultivalueReplacesEveryEntry() {
        Target a2 = new Target("db02", RecordType.A, "10.0.0.6");
        ResourceRecordSet weighted = set("ro.example.net.", RRType.A, 60, "10.0.0.6").toBuilder()
                .setIdentifier("db02")
                .weight(1L)
                .build();
        List<ResourceRecordSet> wanted =
                RecordPlan.readers("ro.example.net", List.of(a2), ReaderRouting.MULTIVALUE, TTL);

        assertThat(wanted.get(0).multiValueAnswer()).isTrue();
        assertThat(RecordPlan.changes(wanted, List.of(weighted)))
                .containsExactly(delete(weighted), upsert(wanted.get(0)));
    }

    @Test
    void noTargetsMeansNoEntries() {
        ResourceRecordSet db01 = weighted("db01", "db01.example.net");

        assertThat(RecordPlan.changes(List.of(), List.of(db01))).containsExactly(delete(db01));
        assertThat(RecordPlan.changes(List.of(), List.of())).isEmpty();
    }

    @Test
    void readersMustBeDistinctMembersOfOneType() {
        assertThatThrownBy(() -> RecordPlan.readers("ro.example.net", List.of(DB02, DB02), ReaderRouting.WEIGHTED, TTL))
                .hasMessageContaining("member db02 is listed twice");
        assertThatThrownBy(() -> RecordPlan.readers(
                        "ro.example.net",
                        List.of(DB02, new Target("db03", RecordType.A, "10.0.0.7")),
                        ReaderRouting.WEIGHTED,
                        TTL))
                .hasMessageContaining("mix CNAME and A");
    }

    @Test
    void targetsAreCheckedAgainstTheirType() {
        assertThatThrownBy(() -> new Target("db01", RecordType.A, "db01.example.net"))
                .hasMessageContaining("needs an IPv4 address");
        assertThatThrownBy(() -> new Target("db01", RecordType.A, "10.0.0.256"))
                .hasMessageContaining("needs an IPv4 address");
        assertThatThrownBy(() -> new Target("db01", RecordType.CNAME, "10.0.0.5"))
                .hasMessageContaining("needs a host name");
        assertThatThrownBy(() -> new Target("", RecordType.CNAME, "db01.example.net"))
                .hasMessageContaining("member's name");
        assertThat(new Target("db01", RecordType.A, "10.0.0.5").value()).isEqualTo("10.0.0.5");
    }

    private static ResourceRecordSet weighted(String member, String host) {
        return set("ro.example.net.", RRType.CNAME, 60, host).toBuilder()
                .setIdentifier(member)
                .weight(1L)
                .build();
    }

    private static ResourceRecordSet set(String name, RRType type, long ttl, String value) {
        return ResourceRecordSet.builder()
                .name(name)
                .type(type)
                .ttl(ttl)
                .resourceRecords(ResourceRecord.builder().value(value).build())
                .build();
    }

    private static Change upsert(ResourceRecordSet set) {
        return Change.builder()
                .action(ChangeAction.UPSERT)
                .resourceRecordSet(set)
                .build();
    }

    private static Change delete(ResourceRecordSet set) {
        return Change.builder()
                .action(ChangeAction.DELETE)
                .resourceRecordSet(set)
                .build();
    }

    @Test
    void weightedEntriesPointingAtNoLiveMemberAreOrphans() {
        ResourceRecordSet own = RecordPlan.weightedEntry(
                "search.example.net",
                new Target("a", RecordType.CNAME, "a.internal"),
                "i-0000000a",
                100,
                Duration.ofSeconds(60));
        ResourceRecordSet live = RecordPlan.weightedEntry(
                "search.example.net",
                new Target("b", RecordType.CNAME, "b.internal"),
                "i-0000000b",
                100,
                Duration.ofSeconds(60));
        ResourceRecordSet dead = RecordPlan.weightedEntry(
                "search.example.net",
                new Target("c", RecordType.CNAME, "c.internal"),
                "i-0000000c",
                100,
                Duration.ofSeconds(60));
        ResourceRecordSet plain = RecordPlan.single(
                "search.example.net", new Target("d", RecordType.CNAME, "d.internal"), Duration.ofSeconds(60));

        assertThat(RecordPlan.orphanedEntries(List.of(own, live, dead, plain), "i-0000000a", Set.of("B.internal.")))
                .containsExactly("i-0000000c");
    }
}
