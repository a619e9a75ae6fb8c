package io.steward.it.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A local CloudWatch endpoint speaking Smithy RPC v2 CBOR (the protocol the SDK's {@link CloudWatchClient} uses:
 * {@code POST /service/GraniteServiceVersion20100801/operation/<Operation>}, CBOR bodies, {@code smithy-protocol:
 * rpc-v2-cbor}) with real state behind it: every datum put is kept, {@code ListMetrics} lists what was put. It
 * enforces PutMetricData's limits (1000 datums, a namespace, finite values, no AWS/ namespace) with CloudWatch's error
 * codes, and can fail the next calls with a given code.
 */
public final class CloudWatchTestServer implements AutoCloseable {
    private static final String PREFIX = "/service/GraniteServiceVersion20100801/operation/";

    /** One datum as CloudWatch stored it. */
    public record Datum(String namespace, String name, Map<String, String> dimensions, String unit, Double value,
                        Map<String, Double> statistics) {
    }

    private final ObjectMapper cbor = new CBORMapper();
    private final HttpServer http;
    private final List<Datum> datums = new ArrayList<>();
    private final List<Integer> requestSizes = new ArrayList<>();
    private String failCode;
    private int failStatus;
    private final AtomicInteger failRemaining = new AtomicInteger();

    private CloudWatchTestServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", this::handle);
        http.start();
    }

    public static CloudWatchTestServer start() {
        try {
            return new CloudWatchTestServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** A real SDK client for this server, with fake credentials and without retries. */
    public CloudWatchClient client() {
        return CloudWatchClient.builder().endpointOverride(endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    public synchronized List<Datum> datums() {
        return List.copyOf(datums);
    }

    /** How many datums each accepted PutMetricData carried, in order. */
    public synchronized List<Integer> requestSizes() {
        return List.copyOf(requestSizes);
    }

    /** The next {@code count} calls answer with the error. */
    public synchronized void failNext(int count, String code, int status) {
        failCode = code;
        failStatus = status;
        failRemaining.set(count);
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            // PutMetricData is compressed by the SDK once it is large enough (its requestCompression trait)
            byte[] body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(in).readAllBytes() : in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            Object answer;
            try {
                if (!path.startsWith(PREFIX) || !"rpc-v2-cbor".equals(exchange.getRequestHeaders().getFirst("smithy-protocol"))) {
                    throw new CloudWatchError(404, "UnknownOperationException", "not an RPC v2 CBOR request: " + path);
                }
                JsonNode request = body.length == 0 ? cbor.createObjectNode() : cbor.readTree(body);
                answer = dispatch(path.substring(PREFIX.length()), request);
            } catch (CloudWatchError e) {
                status = e.status;
                answer = Map.of("__type", e.code, "message", e.getMessage());
            } catch (IOException | RuntimeException e) {
                status = 500;
                answer = Map.of("__type", "InternalServiceError", "message", e.toString());
            }
            byte[] bytes = cbor.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/cbor");
            exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } finally {
            exchange.close();
        }
    }

    private synchronized Object dispatch(String operation, JsonNode request) {
        if (failRemaining.getAndDecrement() > 0) {
            throw new CloudWatchError(failStatus, failCode, "injected by the test");
        }
        return switch (operation) {
            case "PutMetricData" -> putMetricData(request);
            case "ListMetrics" -> listMetrics(request);
            default -> throw new CloudWatchError(400, "InvalidAction", "operation " + operation + " is not supported here");
        };
    }

    private Object putMetricData(JsonNode request) {
        String namespace = request.path("Namespace").asText("");
        if (namespace.isEmpty()) {
            throw new CloudWatchError(400, "MissingParameter", "The parameter Namespace is required.");
        }
        if (namespace.startsWith("AWS/")) {
            throw new CloudWatchError(400, "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid.");
        }
        JsonNode data = request.path("MetricData");
        if (data.size() > 1000) {
            throw new CloudWatchError(400, "InvalidParameterValue", "The collection MetricData must not have a size greater "
                    + "than 1000.");
        }
        List<Datum> accepted = new ArrayList<>();
        for (JsonNode datum : data) {
            Map<String, String> dimensions = new TreeMap<>();
            datum.path("Dimensions").forEach(d -> dimensions.put(d.path("Name").asText(), d.path("Value").asText()));
            Double value = datum.has("Value") ? datum.path("Value").asDouble() : null;
            Map<String, Double> statistics = new LinkedHashMap<>();
            datum.path("StatisticValues").fields().forEachRemaining(e -> statistics.put(e.getKey(), e.getValue().asDouble()));
            if (value != null && !Double.isFinite(value) || statistics.values().stream().anyMatch(v -> !Double.isFinite(v))) {
                throw new CloudWatchError(400, "InvalidParameterValue", "The value for metric "
                        + datum.path("MetricName").asText() + " is not a finite number.");
            }
            if (value == null && statistics.isEmpty()) {
                throw new CloudWatchError(400, "MissingParameter", "Value or StatisticValues is required for "
                        + datum.path("MetricName").asText());
            }
            accepted.add(new Datum(namespace, datum.path("MetricName").asText(), dimensions,
                    datum.path("Unit").asText("None"), value, statistics));
        }
        datums.addAll(accepted);
        requestSizes.add(accepted.size());
        return Map.of();
    }

    private Object listMetrics(JsonNode request) {
        String namespace = request.path("Namespace").asText("");
        ObjectNode answer = cbor.createObjectNode();
        ArrayNode metrics = answer.putArray("Metrics");
        datums.stream().filter(d -> namespace.isEmpty() || d.namespace().equals(namespace))
                .map(d -> List.of(d.namespace(), d.name(), d.dimensions())).distinct().forEach(key -> {
                    ObjectNode metric = metrics.addObject();
                    metric.put("Namespace", (String) key.get(0));
                    metric.put("MetricName", (String) key.get(1));
                    ArrayNode dimensions = metric.putArray("Dimensions");
                    @SuppressWarnings("unchecked")
                    Map<String, String> values = (Map<String, String>) key.get(2);
                    values.forEach((name, value) -> dimensions.addObject().put("Name", name).put("Value", value));
                });
        return answer;
    }

    private static final class CloudWatchError extends RuntimeException {
        final int status;
        final String code;

        CloudWatchError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}
