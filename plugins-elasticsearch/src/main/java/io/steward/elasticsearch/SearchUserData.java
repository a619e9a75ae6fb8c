package io.steward.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import java.util.List;
import java.util.Optional;

/**
 * The book's Elasticsearch user data: each node joins the weighted record {@code <name>.<zone>}, {@code zone} being
 * the hosted zone's domain name; {@code name} is then the record's, not the node's (which is named by its instance
 * id).
 */
final class SearchUserData implements UserDataKeys {
    private static final String NAME = "name";
    private static final String ZONE = "zone";

    @Override
    public List<String> keys() {
        return List.of(ZONE);
    }

    @Override
    public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
        if (engine.filter(ElasticsearchPlugin.NAME::equalsIgnoreCase).isEmpty()) {
            if (userData.has(ZONE)) {
                target.problem(
                        ZONE,
                        userData.get(ZONE).asText(),
                        "absent unless engine is " + ElasticsearchPlugin.NAME
                                + " (the book's round-robin record <name>.<zone>); engine "
                                + engine.map(name -> "is " + name).orElse("is not set")
                                + ", whose records are set in aws.route53");
            }
            return;
        }
        target.claim(NAME);
        JsonNode name = userData.path(NAME);
        JsonNode zone = userData.path(ZONE);
        if (name.isMissingNode() && zone.isMissingNode()) {
            return;
        }
        if (!name.isTextual() || !zone.isTextual()) {
            String wrong = !name.isTextual() ? NAME : ZONE;
            JsonNode value = userData.path(wrong);
            target.problem(
                    wrong,
                    value.isMissingNode() ? null : value.toString(),
                    "a text: with engine "
                            + ElasticsearchPlugin.NAME
                            + ", name and zone together give the round-robin record <name>.<zone>, "
                            + "e.g. {\"name\": \"search\", \"zone\": \"example.net\"}");
            return;
        }
        target.put("aws.route53.enabled", BooleanNode.TRUE, NAME, ZONE);
        target.put("aws.route53.hosted_zone_name", zone, ZONE);
        target.put("aws.route53.weighted_record", TextNode.valueOf(name.asText() + "." + zone.asText()), NAME, ZONE);
    }
}
