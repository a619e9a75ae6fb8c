package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LateListenerTest {
    private final List<String> heard = new ArrayList<>();
    private final ClusterStore.Listener target = new ClusterStore.Listener() {
        @Override
        public void clusterChanged(boolean memberUpdate) {
            heard.add("cluster " + memberUpdate);
        }

        @Override
        public void connectionChanged(String state) {
            heard.add(state);
        }
    };

    @Test
    void theConnectionStateReportedBeforeTheListenerAttachesReachesItWhenItDoes() {
        LateListener late = new LateListener();
        late.connectionChanged("CONNECTED");
        late.clusterChanged(false);

        late.attach(target);

        assertThat(heard)
                .as("the last state, replayed; the cluster change it reads anyway")
                .containsExactly("CONNECTED");
    }

    @Test
    void onlyTheLastStateIsReplayedAndEverythingAfterIsForwarded() {
        LateListener late = new LateListener();
        late.connectionChanged("CONNECTED");
        late.connectionChanged("SUSPENDED");
        late.attach(target);
        late.connectionChanged("RECONNECTED");
        late.clusterChanged(true);

        assertThat(heard).containsExactly("SUSPENDED", "RECONNECTED", "cluster true");
    }

    @Test
    void nothingIsReplayedWhenNothingWasReported() {
        LateListener late = new LateListener();
        late.attach(target);
        assertThat(heard).isEmpty();
    }
}
