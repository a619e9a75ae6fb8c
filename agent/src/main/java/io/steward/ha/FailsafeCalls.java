package io.steward.ha;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.steward.coordination.FailsafeMembers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The primary's side of failsafe mode: calls {@code POST /failsafe} on every member it counts on, at once, with the
 * cluster's admin token, and says who did not confirm. A member that does not answer within the timeout, answers
 * anything but a confirmation, or cannot be reached, counts as not confirming.
 */
final class FailsafeCalls implements FailsafeMode.Caller {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final Optional<String> token;
    private final Duration timeout;

    /**
     * @param token the admin token, which every member of a cluster in failsafe mode must share
     * @param timeout how long each call may take; a round must end well before what it would prove runs out
     */
    FailsafeCalls(Optional<String> token, Duration timeout) {
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public List<String> call(FailsafeMembers members, FailsafeRules.Call call) {
        if (token.isEmpty()) {
            return List.of(
                    "no admin.token is configured here: members accept failsafe calls only with the cluster's token");
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(
                    Map.of("leader", call.leader(), "epoch", call.epoch(), "valid_for_ms", call.validForMillis()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a failsafe call", e);
        }
        List<Map.Entry<String, CompletableFuture<HttpResponse<String>>>> pending = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (Map.Entry<String, String> member : members.members().entrySet()) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create(member.getValue() + "/failsafe"))
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token.get())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
                pending.add(Map.entry(member.getKey(), http.sendAsync(request, HttpResponse.BodyHandlers.ofString())));
            } catch (IllegalArgumentException e) {
                refusals.add(member.getKey() + ": its admin API address '" + member.getValue() + "' is not usable");
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> reply : pending) {
            try {
                HttpResponse<String> response =
                        reply.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (response.statusCode() != 200) {
                    refusals.add(reply.getKey() + ": " + response.statusCode() + " " + reason(response.body()));
                }
            } catch (TimeoutException e) {
                reply.getValue().cancel(true);
                refusals.add(reply.getKey() + ": no answer within " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                refusals.add(reply.getKey() + ": " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                refusals.add(reply.getKey() + ": interrupted");
            }
        }
        return refusals;
    }

    /** The error text of an admin API answer ({"error": "..."}), or the body as it is. */
    private static String reason(String body) {
        try {
            return Optional.ofNullable(JSON.readTree(body).get("error"))
                    .map(e -> e.asText())
                    .orElse(body);
        } catch (IOException e) {
            return body;
        }
    }
}
