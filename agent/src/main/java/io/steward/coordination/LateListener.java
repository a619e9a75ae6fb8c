package io.steward.coordination;

import java.util.Optional;

/**
 * A {@link ClusterStore.Listener} handed to the store before the listener it stands for exists (the store must be
 * connected before the loop that listens can be built). The last connection state reported in between is kept and
 * replayed when the real listener attaches, so the first {@code CONNECTED} is not lost (the ZooKeeper gauges would
 * read "disconnected" until the next change, on a healthy agent); cluster changes in between are dropped, since the
 * real listener reads the whole state when it starts.
 */
public final class LateListener implements ClusterStore.Listener {
    private ClusterStore.Listener target;
    private String lastState;

    /** Forwards everything from now on to {@code listener}, first the connection state reported so far, if any. */
    public void attach(ClusterStore.Listener listener) {
        Optional<String> state;
        synchronized (this) {
            target = listener;
            state = Optional.ofNullable(lastState);
        }
        state.ifPresent(listener::connectionChanged);
    }

    @Override
    public void clusterChanged(boolean memberUpdate) {
        ClusterStore.Listener listener;
        synchronized (this) {
            listener = target;
        }
        if (listener != null) {
            listener.clusterChanged(memberUpdate);
        }
    }

    @Override
    public void connectionChanged(String state) {
        ClusterStore.Listener listener;
        synchronized (this) {
            lastState = state;
            listener = target;
        }
        if (listener != null) {
            listener.connectionChanged(state);
        }
    }
}
