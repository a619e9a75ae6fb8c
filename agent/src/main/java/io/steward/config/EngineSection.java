package io.steward.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which engine plugin runs the local database, and its own configuration section (the YAML section named after
 * the engine), validated by the plugin.
 */
public record EngineSection(String type, JsonNode settings) {}
