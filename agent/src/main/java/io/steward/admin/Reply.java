package io.steward.admin;

import java.util.Map;

/** An answer of the admin API: status, body and the headers beyond Content-Type and Content-Length. */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {}
