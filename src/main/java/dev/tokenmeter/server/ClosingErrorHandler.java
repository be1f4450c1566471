package dev.tokenmeter.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses (a URI it refuses, like one with {@code %00}) go out before any
 * handler read the body, and Jetty then closes the connection without saying so; a client that
 * pools connections would send its next request into the closed socket. Says
 * {@code Connection: close}, as ApiHandler does for its own refusals.
 */
final class ClosingErrorHandler extends ErrorHandler {

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (request.getLength() != 0 && !response.isCommitted()) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    return super.handle(request, response, callback);
  }
}
