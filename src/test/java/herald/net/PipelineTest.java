package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pipelined requests: replies come back in request order, whatever answers them. */
@ExtendWith(VertxExtension.class)
class PipelineTest {

  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx);
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void thousandPipelinedRequestsInOneWriteAreAnsweredInOrder() {
    // A mix of work for the TopicVerticle (publish, subscribe), work the connection answers itself (ping)
    // and malformed frames: their replies must still leave in request order.
    StringBuilder batch = new StringBuilder();
    for (int i = 0; i < 1_000; i++) {
      batch.append(switch (i % 4) {
        case 0 -> "{\"action\":\"publish\",\"topic\":\"p\",\"message\":" + i + ",\"id\":" + i + "}";
        case 1 -> "{\"action\":\"ping\",\"id\":" + i + "}";
        case 2 -> "{\"action\":\"subscribe\",\"topic\":\"t" + i + "\",\"id\":" + i + "}";
        default -> "{\"action\":\"publish\",\"id\":" + i + "}";
      }).append('\n');
    }
    try (WireClient client = broker.connect()) {
      client.sendRaw(batch.toString().getBytes(StandardCharsets.US_ASCII));
      long seq = 0;
      for (int i = 0; i < 1_000; i++) {
        JsonObject reply = client.next();
        assertThat(reply.getInteger("id")).as("reply %d: %s", i, reply).isEqualTo(i);
        switch (i % 4) {
          case 0 -> assertThat(reply.getLong("seq")).isEqualTo(++seq);
          case 1 -> assertThat(reply.getString("status")).isEqualTo("pong");
          case 2 -> assertThat(reply.getString("status")).isEqualTo("subscribed");
          default -> assertThat(reply.getString("error")).isEqualTo("missing_topic");
        }
      }
    }
  }
}
