package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.tokenmeter.TokenMeter;
import org.junit.jupiter.api.Test;

class GracefulStopTest {

  @Test
  void aRequestInFlightFinishesDuringStop() throws Exception {
    TokenMeter meter = TokenMeter.builder().sweepInterval(Duration.ZERO).build();
    TokenMeterServer server = TokenMeterServer.builder(meter).port(0).build().start();
    String body = "{\"run\":\"r1\",\"model\":\"claude-sonnet-4-5\",\"inputTokens\":5}";
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/usage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length() + "\r\n\r\n" + body.substring(0, 10)).getBytes(StandardCharsets.UTF_8));
      out.flush();
      awaitInFlight(server);
      Thread stopper = new Thread(server::close);
      stopper.start();
      Thread.sleep(100); // the stop has begun and waits for this request (up to 1 s idle)
      out.write(body.substring(10).getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 200").contains("{\"counted\":1,\"duplicates\":0}");
      stopper.join(10_000);
      assertThat(stopper.isAlive()).isFalse();
    }
    assertThat(meter.status("r1")).isPresent();
    meter.close();
  }

  private static void awaitInFlight(TokenMeterServer server) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (server.requestsInFlight() > 0) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the request never reached the handler");
  }
}
