package dev.tokenmeter.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A request that is answered with an error status and a JSON body; nothing was changed. */
final class HttpError extends RuntimeException {

  final int status;
  final ObjectNode body;

  HttpError(int status, ObjectNode body) {
    super(body.toString(), null, false, false);
    this.status = status;
    this.body = body;
  }

  static HttpError of(int status, String message) {
    ObjectNode b = Json.object();
    b.put("error", message);
    return new HttpError(status, b);
  }
}
