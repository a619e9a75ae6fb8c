package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.Role;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class ZnodeParserTest {
    private static final String VALID_MEMBER = """
            {"name":"pg1","role":"REPLICA","healthy":true,"database":{"host":"10.0.0.1","port":5432},
             "api_url":"http://10.0.0.1:8008","position":100,"timeline":1,"priority":100,"agent_version":"0.1.0",
             "updated_at_millis":1}""";

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String member(String replace, String with) {
        assertThat(VALID_MEMBER).contains(replace);
        return VALID_MEMBER.replace(replace, with);
    }

    @Nested
    class Members {
        @Test
        void aValidMemberIsReadWithEveryField() {
            Parsed<MemberInfo> parsed = ZnodeParser.member("/members/pg1", "pg1", bytes(VALID_MEMBER));
            assertThat(parsed.problem()).isEmpty();
            MemberInfo member = parsed.value().orElseThrow();
            assertThat(member.name()).isEqualTo("pg1");
            assertThat(member.role()).isEqualTo(Role.REPLICA);
            assertThat(member.position()).isEqualTo(100);
            assertThat(member.upstream()).isEmpty();
        }

        @Test
        void aMemberFromBeforeEngineReportsReportsNothingMore() {
            MemberInfo member = ZnodeParser.member("/members/pg1", "pg1", bytes(VALID_MEMBER))
                    .value()
                    .orElseThrow();

            assertThat(member.engineReport()).isEqualTo(EngineReport.NONE);
        }

        @Test
        void anEngineReportIsRead() {
            MemberInfo member = ZnodeParser.member(
                            "/members/pg1",
                            "pg1",
                            bytes(member(
                                    "\"timeline\":1",
                                    "\"timeline\":1,\"engine_report\":{\"replay_delay_millis\":1500,"
                                            + "\"pending_restart\":true}")))
                    .value()
                    .orElseThrow();

            assertThat(member.engineReport()).isEqualTo(new EngineReport(Optional.of(1500L), true));
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "\"engine_report\":\"fast\"",
                    "\"engine_report\":{\"replay_delay_millis\":\"soon\"}",
                    "\"engine_report\":{\"pending_restart\":[1]}",
                    "\"engine_report\":null"
                })
        void anUnreadableEngineReportIsDroppedAndTheMemberKept(String report) {
            Parsed<MemberInfo> parsed = ZnodeParser.member(
                    "/members/pg1", "pg1", bytes(member("\"timeline\":1", "\"timeline\":1," + report)));

            assertThat(parsed.problem()).isEmpty();
            assertThat(parsed.value().orElseThrow().engineReport()).isEqualTo(EngineReport.NONE);
        }

        @Test
        void aNegativeReplayDelayIsTakenAsUnknown() {
            assertThat(new EngineReport(Optional.of(-5L), false).replayDelayMillis())
                    .isEmpty();
        }

        @Test
        void unknownFieldsAreIgnoredForRollingUpgrades() {
            assertThat(ZnodeParser.member(
                                    "/members/pg1",
                                    "pg1",
                                    bytes(member("\"timeline\":1", "\"timeline\":1,\"from_the_future\":[1]")))
                            .value())
                    .isPresent();
        }

        @Test
        void aMemberIsStoppingOnlyWhenItSaysSoAndAgentsFromBeforeTheFieldAreNot() {
            assertThat(ZnodeParser.member("/members/pg1", "pg1", bytes(VALID_MEMBER))
                            .value()
                            .orElseThrow()
                            .stopping())
                    .as("absent")
                    .isFalse();
            for (String value : new String[] {"null", "false"}) {
                assertThat(ZnodeParser.member(
                                        "/members/pg1",
                                        "pg1",
                                        bytes(member("\"timeline\":1", "\"timeline\":1,\"stopping\":" + value)))
                                .value()
                                .orElseThrow()
                                .stopping())
                        .as(value)
                        .isFalse();
            }
            assertThat(ZnodeParser.member(
                                    "/members/pg1",
                                    "pg1",
                                    bytes(member("\"timeline\":1", "\"timeline\":1,\"stopping\":true")))
                            .value()
                            .orElseThrow()
                            .stopping())
                    .isTrue();
        }

        @Test
        void anEmptyObjectIsSkippedAndReported() {
            Parsed<MemberInfo> parsed = ZnodeParser.member("/members/ghost", "ghost", bytes("{}"));
            assertThat(parsed.value()).isEmpty();
            assertThat(parsed.problem()).hasValueSatisfying(problem -> {
                assertThat(problem.path()).isEqualTo("/members/ghost");
                assertThat(problem.content()).isEqualTo("{}");
                assertThat(problem.reason()).contains("no name").contains("member skipped");
            });
        }

        @Test
        void aMemberNamingAnotherMemberCannotShadowIt() {
            Parsed<MemberInfo> parsed = ZnodeParser.member("/members/stray", "stray", bytes(VALID_MEMBER));
            assertThat(parsed.value()).isEmpty();
            assertThat(parsed.problem().get().reason()).contains("names member 'pg1', not 'stray'");
        }

        @Test
        void eachRequiredFieldIsRequiredAndANullCountsAsMissing() {
            for (String field : new String[] {"role", "database", "position", "priority"}) {
                String without =
                        VALID_MEMBER.replaceAll("\"" + field + "\":(\\{[^}]*}|[^,}]*)", "\"" + field + "\":null");
                assertThat(ZnodeParser.member("/members/pg1", "pg1", bytes(without))
                                .problem())
                        .as(field)
                        .hasValueSatisfying(p -> assertThat(p.reason()).startsWith("no " + field));
            }
        }

        @Test
        void impossibleValuesAreRefused() {
            assertThat(reason(member("\"priority\":100", "\"priority\":-1"))).contains("negative priority -1");
            assertThat(reason(member("\"host\":\"10.0.0.1\"", "\"host\":\" \"")))
                    .contains("empty host");
            assertThat(reason(member("\"port\":5432", "\"port\":0")))
                    .contains("unreadable")
                    .contains("port");
            assertThat(reason(member("\"REPLICA\"", "\"LEADER\"")))
                    .contains("unreadable")
                    .contains("LEADER");
            assertThat(reason(member("\"position\":100", "\"position\":-2"))).contains("position -2");
            assertThat(reason(member("\"healthy\":true", "\"healthy\":\"maybe\"")))
                    .contains("unreadable");
        }

        @Test
        void anInvalidNameIsRefusedEvenWhenTheZnodeHasIt() {
            String name = "bad name";
            assertThat(ZnodeParser.member("/members/" + name, name, bytes(member("\"pg1\"", "\"" + name + "\"")))
                            .problem()
                            .get()
                            .reason())
                    .contains("its name is not");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "garbage", "[1,2]", "null", "42", "{\"name\":"})
        void contentThatIsNoJsonObjectIsReported(String content) {
            assertThat(ZnodeParser.member("/members/pg1", "pg1", bytes(content)).problem())
                    .isPresent();
        }

        private String reason(String content) {
            return ZnodeParser.member("/members/pg1", "pg1", bytes(content))
                    .problem()
                    .orElseThrow()
                    .reason();
        }
    }

    @Nested
    class Leases {
        @Test
        void aValidLeaseIsStampedWithTheSessionThatOwnsTheZnode() {
            assertThat(ZnodeParser.lease("/leader", bytes("{\"holder\":\"pg1\",\"epoch\":3,\"session_id\":0}"), 77)
                            .value())
                    .contains(new Lease("pg1", 3, 77));
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "{\"holder\":null,\"epoch\":3}",
                    "{\"epoch\":3}",
                    "{\"holder\":\"pg1\"}",
                    "{\"holder\":\"pg1\",\"epoch\":-1}",
                    "{\"holder\":\"\",\"epoch\":3}",
                    "{\"holder\":\"a/b\",\"epoch\":3}",
                    "{\"holder\":\"pg1\",\"epoch\":\"soon\"}",
                    "\u0000\u0001garbage",
                    "{}"
                })
        void aLeaseWithoutAValidHolderAndEpochIsNoLease(String content) {
            Parsed<Lease> parsed = ZnodeParser.lease("/leader", bytes(content), 77);
            assertThat(parsed.value()).isEmpty();
            assertThat(parsed.problem().get().reason()).contains("the holder is unknown");
        }
    }

    @Nested
    class Epochs {
        private final AtomicInteger historyReads = new AtomicInteger();

        private ZnodeParser.EpochReading read(
                String content, int version, Optional<Lease> lease, long highestInHistory) {
            return ZnodeParser.epoch(
                    "/epoch", Optional.ofNullable(content).map(ZnodeParserTest::bytes), version, lease, () -> {
                        historyReads.incrementAndGet();
                        return highestInHistory;
                    });
        }

        @Test
        void aValidEpochIsTakenAsItIsWithoutReadingTheHistory() {
            assertThat(read("5", 5, Optional.empty(), 9)).isEqualTo(new ZnodeParser.EpochReading(5, Optional.empty()));
            assertThat(read("7", 5, Optional.empty(), 9).epoch())
                    .as("above its version: repaired before")
                    .isEqualTo(7);
            assertThat(read("5", 9, Optional.of(new Lease("pg1", 5, 1)), 9).problem())
                    .isEmpty();
            assertThat(historyReads).hasValue(0);
        }

        @ParameterizedTest
        @ValueSource(strings = {"garbage", "-1", "1.5", "\"5\"", "null", "{}", "99999999999999999999999"})
        void aGarbageEpochIsNeverReadAsZeroButFromWhatCannotGoBack(String content) {
            ZnodeParser.EpochReading reading = read(content, 6, Optional.empty(), 4);
            assertThat(reading.epoch()).as("the znode's version").isEqualTo(6);
            assertThat(reading.problem().get().reason()).contains("taken as 6").contains("next lease taken writes 7");
            assertThat(read(content, 3, Optional.empty(), 8).epoch())
                    .as("the history's highest")
                    .isEqualTo(8);
        }

        @Test
        void whileALeaseExistsTheEpochIsTheLeases() {
            ZnodeParser.EpochReading reading = read("garbage", 9, Optional.of(new Lease("pg1", 5, 1)), 5);
            assertThat(reading.epoch()).isEqualTo(5);
            assertThat(reading.problem().get().reason()).contains("taken as 5, the lease's");
            assertThat(read("2", 9, Optional.of(new Lease("pg1", 5, 1)), 5)
                            .problem()
                            .get()
                            .reason())
                    .contains("epoch 2 disagrees with the lease's epoch 5");
            assertThat(historyReads).hasValue(0);
        }

        @Test
        void anEpochBelowItsVersionWasWrittenByHandAndCouldReuseAnEarlierEpoch() {
            ZnodeParser.EpochReading reading = read("2", 6, Optional.empty(), 5);
            assertThat(reading.epoch()).isEqualTo(6);
            assertThat(reading.problem().get().reason()).contains("epoch 2 is below the znode's version 6");
        }

        @Test
        void aMissingEpochIsTakenFromTheHistory() {
            ZnodeParser.EpochReading reading = read(null, 0, Optional.empty(), 12);
            assertThat(reading.epoch()).isEqualTo(12);
            assertThat(reading.problem().get().content()).isEqualTo("(missing)");
        }
    }

    @Nested
    class OtherZnodes {
        @Test
        void initializeNamesAMemberElseTheClusterStillCountsAsCreated() {
            assertThat(ZnodeParser.initializedBy("/initialize", bytes("pg1")).value())
                    .contains("pg1");
            assertThat(ZnodeParser.initializedBy("/initialize", bytes("\n\u0007"))
                            .problem()
                            .get())
                    .satisfies(p -> assertThat(p.content()).isEqualTo("\\x0a\\x07"))
                    .satisfies(p -> assertThat(p.reason()).contains("counts as created"));
        }

        @Test
        void maintenanceIsTrueOrFalseElseOff() {
            assertThat(ZnodeParser.maintenance("/maintenance", bytes("true")).value())
                    .contains(true);
            assertThat(ZnodeParser.maintenance("/maintenance", bytes("false")).value())
                    .contains(false);
            assertThat(ZnodeParser.maintenance("/maintenance", bytes("ture"))
                            .problem()
                            .get()
                            .reason())
                    .contains("taken as off");
        }

        @Test
        void aTransferRequestNeedsItsKindPrimaryAndTime() {
            assertThat(ZnodeParser.transfer(
                                    "/switchover",
                                    bytes(
                                            "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"to\":\"pg2\",\"requested_at_millis\":5}"))
                            .value())
                    .contains(new TransferRequest(TransferRequest.Kind.SWITCHOVER, "pg1", Optional.of("pg2"), 5));
            assertThat(ZnodeParser.transfer(
                                    "/switchover",
                                    bytes(
                                            "{\"kind\":\"FAILOVER\",\"from\":\"\",\"to\":\"pg2\",\"requested_at_millis\":5}"))
                            .value())
                    .as("a failover with no primary")
                    .isPresent();
            for (String bad : new String[] {
                "{\"kind\":\"SWAP\",\"from\":\"pg1\",\"requested_at_millis\":5}",
                "{\"from\":\"pg1\",\"requested_at_millis\":5}",
                "{\"kind\":\"SWITCHOVER\",\"requested_at_millis\":5}",
                "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"to\":\"\",\"requested_at_millis\":5}",
                "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"requested_at_millis\":-5}",
                "garbage"
            }) {
                assertThat(ZnodeParser.transfer("/switchover", bytes(bad)).problem())
                        .as(bad)
                        .hasValueSatisfying(p -> assertThat(p.reason()).contains("request is ignored"));
            }
        }

        @Test
        void aScheduledSwitchoverKeepsItsTimeAndAnOldRequestIsDueAtOnce() {
            String scheduled = "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"to\":null,\"requested_at_millis\":5,"
                    + "\"scheduled_at_millis\":9000,\"comment\":\"from a newer agent\"}";
            assertThat(ZnodeParser.transfer("/switchover", bytes(scheduled)).value())
                    .contains(new TransferRequest(
                            TransferRequest.Kind.SWITCHOVER, "pg1", Optional.empty(), 5, Optional.of(9000L)));
            String old = "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"requested_at_millis\":5}";
            assertThat(ZnodeParser.transfer("/switchover", bytes(old)).value())
                    .hasValueSatisfying(
                            request -> assertThat(request.dueAtMillis()).isEqualTo(5));
            String negative =
                    "{\"kind\":\"SWITCHOVER\",\"from\":\"pg1\",\"requested_at_millis\":5,\"scheduled_at_millis\":-1}";
            assertThat(ZnodeParser.transfer("/switchover", bytes(negative)).problem())
                    .hasValueSatisfying(p -> assertThat(p.reason()).contains("negative scheduled_at_millis"));
        }

        @Test
        void aSyncStateNeedsItsLeaderAndElseRecordsNoStandby() {
            assertThat(ZnodeParser.sync("/sync", bytes("{\"leader\":\"pg1\",\"standby\":\"pg2\"}"))
                            .value())
                    .contains(new SyncState("pg1", Optional.of("pg2")));
            assertThat(ZnodeParser.sync("/sync", bytes("{\"leader\":\"pg1\",\"standby\":null}"))
                            .value())
                    .contains(new SyncState("pg1", Optional.empty()));
            for (String bad : new String[] {"{\"standby\":\"pg2\"}", "{\"leader\":\"pg1\",\"standby\":\"\"}", "[]"}) {
                assertThat(ZnodeParser.sync("/sync", bytes(bad)).problem())
                        .as(bad)
                        .hasValueSatisfying(p -> assertThat(p.reason()).contains("no synchronous standby recorded"));
            }
        }

        @Test
        void settingsAreAnObjectOfTexts() {
            assertThat(ZnodeParser.settings("/config", bytes("{\"settings\":{\"loop_wait\":\"2s\"}}"))
                            .value())
                    .contains(Map.of("loop_wait", "2s"));
            assertThat(ZnodeParser.settings("/config", bytes("{}")).value()).contains(Map.of());
            assertThat(ZnodeParser.settings("/config", bytes("{\"settings\":[1]}"))
                            .problem()
                            .get()
                            .reason())
                    .contains("own ha settings apply");
        }

        @Test
        void aHistoryEntryNeedsItsEpochPrimaryReasonAndTime() {
            assertThat(ZnodeParser.historyEntry(
                                    "/history/h-1",
                                    bytes(
                                            "{\"epoch\":2,\"primary\":\"pg2\",\"previous\":\"pg1\",\"reason\":\"failover\",\"position\":5,\"at_millis\":9}"))
                            .value())
                    .contains(new HistoryEntry(2, "pg2", Optional.of("pg1"), "failover", 5, 9));
            assertThat(ZnodeParser.historyEntry(
                                    "/history/h-1",
                                    bytes("{\"epoch\":-2,\"primary\":\"pg2\",\"reason\":\"x\",\"at_millis\":9}"))
                            .problem()
                            .get()
                            .reason())
                    .contains("negative epoch")
                    .contains("left out of the history");
            assertThat(ZnodeParser.historyEntry("/history/h-1", bytes("{\"epoch\":2,\"reason\":\"x\",\"at_millis\":9}"))
                            .problem())
                    .isPresent();
        }

        @Test
        void aPrimaryTermNeedsItsTermAndMember() {
            assertThat(ZnodeParser.primaryTerm("/primary-term", bytes("{\"term\":3,\"member\":\"m1\"}"))
                            .value())
                    .contains(new PrimaryTerm(3, "m1"));
            assertThat(ZnodeParser.primaryTerm("/primary-term", bytes("{\"term\":3}"))
                            .problem())
                    .isPresent();
        }
    }

    @Nested
    class Content {
        @Test
        void controlCharactersAreEscapedAndLongContentIsCut() {
            assertThat(StateProblem.printable(bytes("a\nb\u0000\\"))).isEqualTo("a\\x0ab\\x00\\\\");
            assertThat(StateProblem.printable(bytes("x\u2028y\u202e"))).isEqualTo("x\\u2028y\\u202e");
            assertThat(StateProblem.printable("é".repeat(300).getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo("é".repeat(200) + "... (600 bytes)");
        }
    }
}
