package herald.net;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every bad frame gets exactly one error, and the connection keeps working; only an oversized frame
 * closes it. The decoder's full table is in FrameDecoderTest; this one checks the same promises end to end.
 */
@ExtendWith(VertxExtension.class)
class BadInputTest {

  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    broker = TestBroker.start(vertx, new JsonObject().put("max_frame_bytes", 4096));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      not json                                                  | invalid_json
      {'action':'publish'                                       | invalid_json
      {'action':'ping'} trailing                                | invalid_json
      [1,2,3]                                                   | not_an_object
      "just a string"                                           | not_an_object
      {}                                                        | missing_action
      {'action':42}                                             | invalid_field
      {'action':'shout','topic':'news'}                         | unknown_action
      {'action':'subscribe'}                                    | missing_topic
      {'action':'subscribe','topic':''}                         | invalid_topic
      {'action':'subscribe','topic':7}                          | invalid_topic
      {'action':'subscribe','topic':'a..b'}                     | invalid_topic
      {'action':'publish','topic':'news.*','message':1}         | invalid_topic
      {'action':'subscribe','topic':'news*'}                    | invalid_topic
      {'action':'publish','topic':'news'}                       | missing_message
      {'action':'publish','topic':'news','message':null}        | missing_message
      {'action':'publish','topic':'news','message':1,'x':1}     | unknown_field
      {'action':'subscribe','topic':'news','from':0}            | invalid_field
      """)
  void badFrameGetsOneErrorAndTheConnectionKeepsWorking(String frame, String code) {
    try (WireClient client = broker.connect()) {
      client.send(frame).expectError(code);
      client.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void invalidUtf8IsInvalidUtf8() {
    try (WireClient client = broker.connect()) {
      byte[] frame = "{\"action\":\"publish\",\"topic\":\"news\",\"message\":\"\u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1);
      client.sendRaw(frame).expectError("invalid_utf8");
      client.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void errorsEchoTheIdWhenItCanBeRead() {
    try (WireClient client = broker.connect()) {
      client.send("{'action':'publish','topic':'news','id':'r1'}").expectError("missing_message");
      client.send("{'action':'publish','topic':'news','id':'r2'}");
      JsonObject error = client.expectError("missing_message");
      org.assertj.core.api.Assertions.assertThat(error.getString("id")).isEqualTo("r2");
    }
  }

  @Test
  void blankLinesAreIgnored() {
    try (WireClient client = broker.connect()) {
      client.sendRaw("\n\r\n   \n".getBytes(StandardCharsets.US_ASCII));
      client.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void frameOverTheLimitIsFrameTooLargeThenClosed() {
    try (WireClient client = broker.connect()) {
      client.send("{'action':'ping','id':1}");
      client.sendRaw(("{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"" + "x".repeat(5000) + "\"}\n")
          .getBytes(StandardCharsets.US_ASCII));
      client.expect("{'status':'pong','id':1}"); // what came before is still answered, in order
      client.expectError("frame_too_large");
      client.expectClosed();
    }
  }

  @Test
  void frameJustUnderTheLimitIsAccepted() {
    try (WireClient client = broker.connect()) {
      String head = "{\"action\":\"publish\",\"topic\":\"t\",\"message\":\"";
      String tail = "\"}";
      String frame = head + "x".repeat(4096 - head.length() - tail.length()) + tail;
      org.assertj.core.api.Assertions.assertThat(frame).hasSize(4096);
      client.sendRaw((frame + "\n").getBytes(StandardCharsets.US_ASCII));
      client.expect("{'status':'published','topic':'t','seq':1}");
    }
  }
}
