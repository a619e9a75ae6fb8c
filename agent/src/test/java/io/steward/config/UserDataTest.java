package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.EnginePlugin;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The core's user-data keys, and each plugin's read by the plugin (here the test plugin's, and one that claims). */
class UserDataTest {
    private static final List<EnginePlugin> PLUGINS = List.of(new TestEnginePlugin(), new NamingPlugin());
    private static final Optional<String> TESTENGINE = Optional.of("testengine");

    /** An engine whose user data's "name" names something else than the node, as the book's MongoDB set's. */
    private static final class NamingPlugin extends TestEnginePlugin {
        @Override
        public String name() {
            return "naming";
        }

        @Override
        public UserDataKeys userData() {
            return new UserDataKeys() {
                @Override
                public List<String> keys() {
                    return List.of();
                }

                @Override
                public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
                    if (engine.filter(name()::equals).isPresent() && userData.has("name")) {
                        target.claim("name");
                        target.put("naming.label", userData.get("name"), "name");
                    }
                }
            };
        }
    }

    private static ConfigLoader.Layer translate(String json, Optional<String> engine, ConfigProblems problems) {
        return UserData.translate(json, "EC2 user data", engine, PLUGINS, problems);
    }

    @Test
    void theCoresKeysGoToTheirSectionsAndMonitoringToCloudWatch() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = translate("""
                {"name": "kate", "cluster": "kate.example.net", "master": "kate0", "timestamp": "2013-06-01T12:00:00Z",
                 "tablespaces": [{"device": "/dev/sdf", "name": "main", "size": 100}], "monitoring": "on"}
                """, Optional.empty(), problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(layer.tree().toString())
                .isEqualTo("{\"node\":{\"name\":\"kate\"},\"cluster\":\"kate.example.net\","
                        + "\"bootstrap\":{\"mode\":\"replica\",\"source\":\"kate0\",\"target_time\":\"2013-06-01T12:00:00Z\"},"
                        + "\"storage\":{\"tablespaces\":[{\"device\":\"/dev/sdf\",\"name\":\"main\",\"size\":100}]},"
                        + "\"aws\":{\"cloudwatch\":{\"monitoring\":\"on\"}}}");
        assertThat(layer.origins())
                .containsEntry("aws.cloudwatch.monitoring", "EC2 user data key 'monitoring'")
                .containsEntry("bootstrap.source", "EC2 user data key 'master'");
    }

    /** A plugin's own key goes to its section whatever the engine, so that a wrong engine is named by that section. */
    @Test
    void aPluginsKeysAreReadByThePluginWhateverTheEngine() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer =
                translate("{\"name\": \"db01\", \"flavour\": \"vanilla\"}", Optional.of("other"), problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(layer.tree().toString())
                .isEqualTo("{\"testengine\":{\"flavour\":\"vanilla\"},\"node\":{\"name\":\"db01\"}}");
        assertThat(layer.origins()).containsEntry("testengine.flavour", "EC2 user data key 'flavour'");
    }

    @Test
    void aKeyTheConfiguredEnginesPluginClaimsIsNotTheCores() {
        ConfigProblems problems = new ConfigProblems();

        String claimed = translate("{\"name\": \"set1\"}", Optional.of("naming"), problems)
                .tree()
                .toString();
        String core =
                translate("{\"name\": \"set1\"}", TESTENGINE, problems).tree().toString();

        assertThat(problems.isEmpty()).isTrue();
        assertThat(claimed).isEqualTo("{\"naming\":{\"label\":\"set1\"}}");
        assertThat(core).isEqualTo("{\"node\":{\"name\":\"set1\"}}");
    }

    @Test
    void anUnknownKeyIsAProblemListingTheCoresAndThePluginsKeys() {
        ConfigProblems problems = new ConfigProblems();

        translate("{\"name\": \"db01\", \"replicas\": 3}", TESTENGINE, problems);

        assertThat(problems.list())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "EC2 user data key 'replicas': '3' is not valid; unknown user data key; the book's keys are name, "
                                + "cluster, master, clone, timestamp, tablespaces, monitoring, flavour");
    }

    @Test
    void masterAndCloneTogetherAreAProblem() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer =
                translate("{\"name\": \"db\", \"master\": \"a\", \"clone\": \"b\"}", TESTENGINE, problems);

        assertThat(layer.tree().has("bootstrap")).isFalse();
        assertThat(problems.list())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "EC2 user data key 'clone': 'b' is not valid; either master (join as a replica) or clone (start a new cluster from backups), not both");
    }
}
