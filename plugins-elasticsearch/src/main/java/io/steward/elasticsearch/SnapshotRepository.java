package io.steward.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.steward.elasticsearch.ElasticsearchSettings.SnapshotSettings;
import io.steward.engine.EngineException;
import io.steward.engine.NativeBackup;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups the way Elastic supports them: the snapshot API into a registered repository ({@code s3} in production,
 * {@code fs} on a folder every node shares). Snapshots leave out the cluster's global state, so that a restore brings
 * back indices without touching the cluster's settings (the drain's allocation filter among them).
 */
final class SnapshotRepository implements NativeBackup {
    private static final Logger log = LoggerFactory.getLogger(SnapshotRepository.class);

    private final SearchRest rest;
    private final SnapshotSettings settings;
    private final String path;

    SnapshotRepository(SearchRest rest, SnapshotSettings settings) {
        this.rest = rest;
        this.settings = settings;
        this.path = "/_snapshot/" + encode(settings.repository());
    }

    /** Registers the repository, or updates it when its settings changed; Elasticsearch verifies it on every node. */
    @Override
    public void prepare() {
        Map<String, Object> wanted = Map.of(
                "type", settings.type().name().toLowerCase(Locale.ROOT), "settings", settings.repositorySettings());
        JsonNode existing = existing();
        if (existing.path("type").asText().equals(wanted.get("type"))
                && settingsMatch(existing.path("settings"), settings.repositorySettings())) {
            return;
        }
        rest.put(path, wanted);
        log.info(
                "snapshot repository {} registered: {} {}",
                settings.repository(),
                wanted.get("type"),
                settings.repositorySettings());
    }

    @Override
    public Record take(String name) {
        JsonNode answer = rest.put(
                path + "/" + encode(name) + "?wait_for_completion=true", Map.of("include_global_state", false));
        Record record = record(answer.path("snapshot"));
        if (!record.succeeded()) {
            throw new EngineException("snapshot " + name + " ended " + record.state() + ": "
                    + answer.path("snapshot").path("failures").toString());
        }
        return record;
    }

    /** Oldest first; none while the repository is not registered yet (nothing was ever taken). */
    @Override
    public List<Record> list() {
        List<Record> records = new ArrayList<>();
        JsonNode listed;
        try {
            listed = rest.get(path + "/_all");
        } catch (SearchRest.SearchRequestFailed e) {
            if (e.status() == 404 && e.getMessage().contains("repository_missing_exception")) {
                return records;
            }
            throw e;
        }
        for (JsonNode snapshot : listed.path("snapshots")) {
            records.add(record(snapshot));
        }
        records.sort(Comparator.comparing(Record::startedAt));
        return records;
    }

    @Override
    public void delete(String name) {
        rest.delete(path + "/" + encode(name));
    }

    @Override
    public void restore(String name, List<String> indices) {
        JsonNode answer = rest.post(
                path + "/" + encode(name) + "/_restore?wait_for_completion=true",
                Map.of("indices", String.join(",", indices), "include_global_state", false));
        int failed = answer.path("snapshot").path("shards").path("failed").asInt();
        if (failed > 0) {
            throw new EngineException("restore of " + indices + " from " + name + ": " + failed + " shards failed");
        }
        log.info("restored {} from snapshot {}", indices, name);
    }

    @Override
    public Optional<Schedule> schedule() {
        return settings.every()
                .map(every -> new Schedule(
                        every,
                        settings.retention().expireAfter(),
                        settings.retention().minCount(),
                        settings.retention().maxCount()));
    }

    private JsonNode existing() {
        try {
            return rest.get(path).path(settings.repository());
        } catch (SearchRest.SearchRequestFailed e) {
            if (e.status() == 404) {
                return MissingNode.getInstance();
            }
            throw e;
        }
    }

    private static boolean settingsMatch(JsonNode existing, Map<String, String> wanted) {
        return existing.size() == wanted.size()
                && wanted.entrySet().stream()
                        .allMatch(e -> existing.path(e.getKey()).asText().equals(e.getValue()));
    }

    private static Record record(JsonNode snapshot) {
        List<String> indices = new ArrayList<>();
        snapshot.path("indices").forEach(index -> indices.add(index.asText()));
        return new Record(
                snapshot.path("snapshot").asText(),
                snapshot.path("state").asText("UNKNOWN"),
                Instant.ofEpochMilli(snapshot.path("start_time_in_millis").asLong()),
                indices);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
