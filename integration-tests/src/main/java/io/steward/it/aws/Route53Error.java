package io.steward.it.aws;

import java.util.List;

/** An error answer in Route 53's shape: HTTP status, error code and one or more messages. */
final class Route53Error extends RuntimeException {
    final int status;
    final String code;
    final List<String> messages;

    Route53Error(int status, String code, List<String> messages) {
        super(code + ": " + String.join("; ", messages), null, false, false);
        this.status = status;
        this.code = code;
        this.messages = List.copyOf(messages);
    }

    static Route53Error invalidInput(String message) {
        return new Route53Error(400, "InvalidInput", List.of(message));
    }

    static Route53Error invalidChangeBatch(List<String> messages) {
        return new Route53Error(400, "InvalidChangeBatch", messages);
    }

    static Route53Error noSuchHostedZone(String id) {
        return new Route53Error(404, "NoSuchHostedZone", List.of("No hosted zone found with ID: " + id));
    }
}
