package io.steward.it.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.it.backup.SnapshotFixtures;
import io.steward.it.mongo.MongoCluster.Agent;
import io.steward.testing.LoopFilesystem;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * A snapshot set of a MongoDB member whose data directory is the root of an XFS volume the EC2 test server knows:
 * the fsync lock is taken before the freeze and lifted after the thaw, the set completes, and writes go on.
 */
class MongoSnapshotAgentTest {
    private static final String INSTANCE = "i-0c1d2e3f4a5b60718";
    private static final String BUCKET = "mongosnap";
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theLockIsHeldExactlyAroundTheFreezeAndTheSetCompletes() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "steward-mongosnap-");
        try (S3TestServer s3 = S3TestServer.start();
                Ec2TestServer ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"));
                MongoCluster cluster = MongoCluster.start()) {
            s3.createBucket(BUCKET);
            ec2.addInstance(INSTANCE, SnapshotFixtures.ZONE, "127.0.0.1");
            Path data = cluster.dataDir("m1");
            SnapshotFixtures.mountNewVolume(ec2, INSTANCE, data, "root");
            try {
                String extraYaml = SnapshotFixtures.sections(ec2, s3, BUCKET, List.of(), List.of("schedule: off"));
                Agent agent =
                        cluster.startAgent("m1", "active", SnapshotFixtures.environment(ec2, INSTANCE), extraYaml);
                await("the set created and m1 its primary")
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> agent.status("/primary") == 200);

                HttpResponse<String> taken = agent.post("/snapshot", "{\"retention\": \"daily\"}");

                assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
                String id = json.readTree(taken.body()).path("id").asText();
                await("the set complete")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> StreamSupport.stream(sets(agent).spliterator(), false)
                                .anyMatch(set -> set.path("id").asText().equals(id)
                                        && set.path("status").asText().equals("COMPLETED")));
                assertThat(ec2.snapshotIds()).hasSize(1);
                List<String> steps = Files.readAllLines(agent.log()).stream()
                        .filter(line -> line.contains("fsync lock taken")
                                || line.contains("freezing [")
                                || line.contains("thawed [")
                                || line.contains("fsync lock for snapshot " + id + " lifted"))
                        .map(line -> line.replaceAll(".* - ", "").replaceAll(" .*", ""))
                        .toList();
                assertThat(steps).containsExactly("fsync", "freezing", "thawed", "fsync");
                assertThat(Files.readString(agent.log()))
                        .containsSubsequence(
                                "fsync lock taken for snapshot " + id,
                                "freezing [" + data,
                                "thawed [" + data,
                                "fsync lock for snapshot " + id + " lifted");
                try (MongoClient client = MongoClients.create(agent.member().directConnectionString())) {
                    assertThat(client.getDatabase("admin")
                                    .runCommand(new Document("currentOp", 1))
                                    .get("fsyncLock"))
                            .as("no lock left behind")
                            .isNull();
                    client.getDatabase("app").getCollection("after").insertOne(new Document("written", true));
                }
            } finally {
                LoopFilesystem.run("umount", data.toString());
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", work.toString());
        }
    }

    private JsonNode sets(Agent agent) throws Exception {
        return json.readTree(agent.get("/snapshots").orElseThrow().body());
    }
}
