package io.steward.it.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * A local CloudWatch endpoint speaking Smithy RPC v2 CBOR, the protocol of the pinned SDK's {@link CloudWatchClient}
 * ({@code POST /service/GraniteServiceVersion20100801/operation/<Operation>}, CBOR bodies, gzip when the SDK
 * compresses PutMetricData, header {@code smithy-protocol: rpc-v2-cbor}), with real state behind it.
 *
 * <p>Every datum put is kept with its namespace, name, dimensions, unit, value or statistic set and timestamp;
 * {@code ListMetrics} lists the metrics and {@code GetMetricStatistics} aggregates them per period, so a test reads
 * back through the real client. PutMetricData's documented limits are enforced with CloudWatch's error codes: at most
 * 1000 datums and 1 MB per request (measured before compression: the stricter reading), names of 1 to 255
 * characters, at most 30 dimensions, values finite and within ±2^360, Value or StatisticValues but not both,
 * timestamps from two weeks back to two hours ahead, no {@code AWS/} namespace; a bad datum fails the whole request.
 * Requests must be signed (an Authorization header; the signature is not checked). Tests can make the next calls
 * fail with a given code and status ({@link #failNext}).
 */
public final class CloudWatchTestServer implements AutoCloseable {
    private static final String PREFIX = "/service/GraniteServiceVersion20100801/operation/";
    private static final int MAX_DATUMS = 1000;
    private static final int MAX_REQUEST_BYTES = 1_048_576;
    private static final int MAX_DIMENSIONS = 30;
    private static final double MAX_MAGNITUDE = Math.scalb(1.0, 360);
    private static final List<String> STATISTICS = List.of("SampleCount", "Sum", "Minimum", "Maximum");
    /** CBOR's tag for a timestamp in epoch seconds, how RPC v2 CBOR writes timestamps. */
    private static final int EPOCH_SECONDS_TAG = 1;

    /** One datum as CloudWatch stored it; {@code value} or {@code statistics} (SampleCount, Sum, Minimum, Maximum). */
    public record Datum(
            String namespace,
            String name,
            Map<String, String> dimensions,
            String unit,
            Double value,
            Map<String, Double> statistics,
            Instant timestamp) {
        SampleStatistics asStatistics() {
            return value != null
                    ? new SampleStatistics(1, value, value, value)
                    : new SampleStatistics(
                            statistics.get("SampleCount"),
                            statistics.get("Sum"),
                            statistics.get("Minimum"),
                            statistics.get("Maximum"));
        }
    }

    private record SampleStatistics(double sampleCount, double sum, double minimum, double maximum) {
        SampleStatistics plus(SampleStatistics other) {
            return new SampleStatistics(
                    sampleCount + other.sampleCount,
                    sum + other.sum,
                    Math.min(minimum, other.minimum),
                    Math.max(maximum, other.maximum));
        }
    }

    private final CBORMapper cbor = new CBORMapper();
    private final HttpServer http;
    private final List<Datum> datums = new ArrayList<>();
    private final List<Integer> requestSizes = new ArrayList<>();
    private Optional<String> failCode = Optional.empty();
    private int failStatus;
    private int failRemaining;

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
        return CloudWatchClient.builder()
                .endpointOverride(endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
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

    /** The next {@code count} calls, whatever their operation, answer with the error. */
    public synchronized void failNext(int count, String code, int status) {
        failCode = Optional.of(code);
        failStatus = status;
        failRemaining = count;
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(in).readAllBytes()
                    : in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            byte[] answer;
            try {
                if (!path.startsWith(PREFIX)
                        || !"rpc-v2-cbor".equals(exchange.getRequestHeaders().getFirst("smithy-protocol"))) {
                    throw new CloudWatchError(404, "UnknownOperationException", "not an RPC v2 CBOR request: " + path);
                }
                if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
                    throw new CloudWatchError(
                            403, "MissingAuthenticationToken", "Request is missing Authentication Token");
                }
                if (body.length > MAX_REQUEST_BYTES) {
                    throw new CloudWatchError(
                            413,
                            "RequestEntityTooLarge",
                            "Request size " + body.length + " exceeded " + MAX_REQUEST_BYTES + " bytes");
                }
                JsonNode request = body.length == 0 ? cbor.createObjectNode() : cbor.readTree(body);
                answer = dispatch(path.substring(PREFIX.length()), request);
            } catch (CloudWatchError e) {
                status = e.status;
                answer = cbor.writeValueAsBytes(Map.of("__type", e.code, "message", e.getMessage()));
            } catch (IOException | RuntimeException e) {
                status = 500;
                answer = cbor.writeValueAsBytes(Map.of("__type", "InternalServiceError", "message", e.toString()));
            }
            exchange.getResponseHeaders().set("Content-Type", "application/cbor");
            exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
        } finally {
            exchange.close();
        }
    }

    private synchronized byte[] dispatch(String operation, JsonNode request) throws IOException {
        if (failRemaining > 0) {
            failRemaining--;
            throw new CloudWatchError(failStatus, failCode.orElseThrow(), "injected by the test");
        }
        return switch (operation) {
            case "PutMetricData" -> putMetricData(request);
            case "ListMetrics" -> listMetrics(request);
            case "GetMetricStatistics" -> getMetricStatistics(request);
            default ->
                throw new CloudWatchError(400, "InvalidAction", "operation " + operation + " is not supported here");
        };
    }

    private byte[] putMetricData(JsonNode request) throws IOException {
        String namespace = request.path("Namespace").asText("");
        if (namespace.isEmpty()) {
            throw new CloudWatchError(400, "MissingParameter", "The parameter Namespace is required.");
        }
        if (namespace.length() > 255 || namespace.startsWith("AWS/")) {
            throw new CloudWatchError(
                    400, "InvalidParameterValue", "The value " + namespace + " for parameter Namespace is invalid.");
        }
        JsonNode data = request.path("MetricData");
        if (data.isEmpty()) {
            throw new CloudWatchError(400, "MissingParameter", "The parameter MetricData is required.");
        }
        if (data.size() > MAX_DATUMS) {
            throw new CloudWatchError(
                    400,
                    "InvalidParameterValue",
                    "The collection MetricData must not have a size greater " + "than " + MAX_DATUMS + ".");
        }
        Instant now = Instant.now();
        List<Datum> accepted = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            accepted.add(datum(namespace, data.get(i), "MetricData.member." + (i + 1), now));
        }
        datums.addAll(accepted);
        requestSizes.add(accepted.size());
        return cbor.writeValueAsBytes(Map.of());
    }

    private Datum datum(String namespace, JsonNode datum, String parameter, Instant now) {
        String name = datum.path("MetricName").asText("");
        if (name.isEmpty() || name.length() > 255) {
            throw invalid(parameter + ".MetricName", name);
        }
        JsonNode dimensionList = datum.path("Dimensions");
        if (dimensionList.size() > MAX_DIMENSIONS) {
            throw new CloudWatchError(
                    400,
                    "InvalidParameterValue",
                    "The collection " + parameter + ".Dimensions must not have a size greater than " + MAX_DIMENSIONS
                            + ".");
        }
        Map<String, String> dimensions = new TreeMap<>();
        dimensionList.forEach(
                d -> dimensions.put(d.path("Name").asText(), d.path("Value").asText()));
        boolean hasValue = datum.has("Value");
        JsonNode statisticValues = datum.path("StatisticValues");
        if (hasValue && !statisticValues.isMissingNode()) {
            throw new CloudWatchError(
                    400,
                    "InvalidParameterCombination",
                    "The parameters " + parameter + ".Value and " + parameter
                            + ".StatisticValues are mutually exclusive and you have specified both.");
        }
        Double value = hasValue ? number(datum.path("Value"), parameter + ".Value") : null;
        Map<String, Double> statistics = new LinkedHashMap<>();
        if (!statisticValues.isMissingNode()) {
            for (String statistic : STATISTICS) {
                String member = parameter + ".StatisticValues." + statistic;
                if (!statisticValues.has(statistic)) {
                    throw new CloudWatchError(400, "MissingParameter", "The parameter " + member + " is required.");
                }
                statistics.put(statistic, number(statisticValues.path(statistic), member));
            }
        }
        if (!hasValue && statistics.isEmpty()) {
            throw new CloudWatchError(400, "MissingParameter", "The parameter " + parameter + ".Value is required.");
        }
        Instant timestamp = datum.has("Timestamp") ? timestamp(datum.path("Timestamp")) : now;
        if (timestamp.isBefore(now.minus(Duration.ofDays(14))) || timestamp.isAfter(now.plus(Duration.ofHours(2)))) {
            throw new CloudWatchError(
                    400,
                    "InvalidParameterValue",
                    "The parameter " + parameter + ".Timestamp must "
                            + "specify a time no more than two weeks in the past and no more than two hours in the future.");
        }
        return new Datum(namespace, name, dimensions, datum.path("Unit").asText("None"), value, statistics, timestamp);
    }

    private static double number(JsonNode node, String parameter) {
        double value = node.asDouble();
        if (!node.isNumber() || !Double.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE) {
            throw invalid(parameter, node.asText());
        }
        return value;
    }

    private static CloudWatchError invalid(String parameter, String value) {
        return new CloudWatchError(
                400, "InvalidParameterValue", "The value " + value + " for parameter " + parameter + " is invalid.");
    }

    private static Instant timestamp(JsonNode epochSeconds) {
        return Instant.ofEpochMilli(Math.round(epochSeconds.asDouble() * 1000));
    }

    private byte[] listMetrics(JsonNode request) throws IOException {
        String namespace = request.path("Namespace").asText("");
        String name = request.path("MetricName").asText("");
        ObjectNode answer = cbor.createObjectNode();
        ArrayNode metrics = answer.putArray("Metrics");
        datums.stream()
                .filter(d -> namespace.isEmpty() || d.namespace().equals(namespace))
                .filter(d -> name.isEmpty() || d.name().equals(name))
                .map(d -> new Datum(d.namespace(), d.name(), d.dimensions(), "", null, Map.of(), Instant.EPOCH))
                .distinct()
                .forEach(metric -> {
                    ObjectNode entry = metrics.addObject()
                            .put("Namespace", metric.namespace())
                            .put("MetricName", metric.name());
                    ArrayNode dimensions = entry.putArray("Dimensions");
                    metric.dimensions()
                            .forEach((key, value) ->
                                    dimensions.addObject().put("Name", key).put("Value", value));
                });
        return cbor.writeValueAsBytes(answer);
    }

    /** The metric with exactly the dimensions asked for, aggregated per period from StartTime (inclusive) to EndTime. */
    private byte[] getMetricStatistics(JsonNode request) throws IOException {
        String namespace = request.path("Namespace").asText("");
        String name = request.path("MetricName").asText("");
        Map<String, String> dimensions = new TreeMap<>();
        request.path("Dimensions")
                .forEach(d ->
                        dimensions.put(d.path("Name").asText(), d.path("Value").asText()));
        int period = request.path("Period").asInt();
        if (period <= 0 || period % 60 != 0 && period != 1 && period != 5 && period != 10 && period != 30) {
            throw invalid("Period", request.path("Period").asText());
        }
        if (!request.has("StartTime") || !request.has("EndTime") || !request.has("Statistics")) {
            throw new CloudWatchError(400, "MissingParameter", "StartTime, EndTime and Statistics are required.");
        }
        long start = timestamp(request.path("StartTime")).getEpochSecond();
        long end = timestamp(request.path("EndTime")).getEpochSecond();
        Map<Long, List<Datum>> byPeriod = datums.stream()
                .filter(d -> d.namespace().equals(namespace)
                        && d.name().equals(name)
                        && d.dimensions().equals(dimensions))
                .filter(d ->
                        d.timestamp().getEpochSecond() >= start && d.timestamp().getEpochSecond() < end)
                .collect(Collectors.groupingBy(
                        d -> start + (d.timestamp().getEpochSecond() - start) / period * period,
                        TreeMap::new,
                        Collectors.toList()));
        List<String> wanted = new ArrayList<>();
        request.path("Statistics").forEach(s -> wanted.add(s.asText()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator generator = (CBORGenerator) cbor.getFactory().createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("Label", name);
            generator.writeArrayFieldStart("Datapoints");
            for (Map.Entry<Long, List<Datum>> bucket : byPeriod.entrySet()) {
                SampleStatistics total = bucket.getValue().stream()
                        .map(Datum::asStatistics)
                        .reduce(SampleStatistics::plus)
                        .orElseThrow();
                generator.writeStartObject();
                generator.writeFieldName("Timestamp");
                generator.writeTag(EPOCH_SECONDS_TAG);
                generator.writeNumber((double) bucket.getKey());
                Map<String, Double> values = Map.of(
                        "SampleCount",
                        total.sampleCount(),
                        "Sum",
                        total.sum(),
                        "Minimum",
                        total.minimum(),
                        "Maximum",
                        total.maximum(),
                        "Average",
                        total.sum() / total.sampleCount());
                for (String statistic : wanted) {
                    generator.writeNumberField(
                            statistic,
                            Optional.ofNullable(values.get(statistic))
                                    .orElseThrow(() -> invalid("Statistics", statistic)));
                }
                generator.writeStringField("Unit", bucket.getValue().get(0).unit());
                generator.writeEndObject();
            }
            generator.writeEndArray();
            generator.writeEndObject();
        }
        return out.toByteArray();
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
