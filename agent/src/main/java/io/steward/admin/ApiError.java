package io.steward.admin;

import java.util.Map;

/** A request the admin API answers with an error status; thrown before anything is asked of the backend. */
final class ApiError extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    private ApiError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message, Map.of());
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, message, Map.of("WWW-Authenticate", "Bearer realm=\"steward\""));
    }

    static ApiError forbidden(String message) {
        return new ApiError(403, message, Map.of());
    }

    static ApiError notFound(String message) {
        return new ApiError(404, message, Map.of());
    }

    static ApiError methodNotAllowed(String allowed) {
        return new ApiError(405, "method not allowed; use " + allowed, Map.of("Allow", allowed));
    }

    static ApiError tooLarge(int limit) {
        return new ApiError(413, "request body larger than " + limit + " bytes", Map.of());
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
