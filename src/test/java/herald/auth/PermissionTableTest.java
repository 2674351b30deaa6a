package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Allowed and denied patterns x publish, subscribe and replay, over a real socket: one user whose permissions
 * use every pattern form, and a row per request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermissionTableTest {

  private Vertx vertx;
  private TestBroker broker;
  private WireClient client;

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("herald-perm");
    Path users = TestUsers.write(dir.resolve("users.json"), "{'users':[{'name':'t','password':'" + TestUsers.hash("pw")
        + "','permissions':{"
        + "'publish':{'allow':['orders.*','metrics.>','news'],'deny':['orders.secret']},"
        + "'subscribe':{'allow':['*.eu','logs.>','news'],'deny':['logs.audit.>']}}}]}");
    vertx = Vertx.vertx();
    broker = TestBroker.start(vertx, new JsonObject().put("users_file", users.toString()));
    client = broker.connect();
    client.send("{'action':'auth','user':'t','password':'pw'}").expect("{'status':'authenticated','user':'t'}");
  }

  @AfterAll
  void stop() {
    client.close();
    broker.close();
    vertx.close().await();
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource({
      // publish: orders.* (one token), metrics.> (one or more), news (exact), orders.secret denied
      "publish, orders.eu, allowed",
      "publish, orders, forbidden",
      "publish, orders.eu.created, forbidden",
      "publish, orders.secret, forbidden",
      "publish, metrics.cpu, allowed",
      "publish, metrics.cpu.total, allowed",
      "publish, metrics, forbidden",
      "publish, news, allowed",
      "publish, news.eu, forbidden",
      "publish, logs.app, forbidden",
      // subscribe: *.eu, logs.> with logs.audit.> denied, news
      "subscribe, orders.eu, allowed",
      "subscribe, metrics.eu, allowed",
      "subscribe, orders.us, forbidden",
      "subscribe, eu, forbidden",
      "subscribe, logs.app, allowed",
      "subscribe, logs.app.web, allowed",
      "subscribe, logs.audit.login, forbidden",
      "subscribe, logs.audit, allowed",
      "subscribe, news, allowed",
      "subscribe, metrics.cpu, forbidden",
      // a wildcard subscription: one allow pattern must cover every topic it can match, and no deny may meet it
      "subscribe, *.eu, allowed",
      "subscribe, logs.*, allowed",
      "subscribe, logs.app.>, allowed",
      "subscribe, logs.>, forbidden",
      "subscribe, logs.*.login, forbidden",
      "subscribe, orders.*, forbidden",
      "subscribe, >, forbidden",
      "subscribe, *, forbidden",
      // replay is a subscribe with a start: the same rules
      "replay-earliest, orders.eu, allowed",
      "replay-earliest, orders.us, forbidden",
      "replay-from, logs.app, allowed",
      "replay-from, logs.audit.login, forbidden",
      "replay-last, news, allowed",
      "replay-last, metrics.cpu, forbidden",
  })
  void eachRequestIsAllowedOrForbiddenAsThePatternsSay(String action, String topic, String outcome) {
    String request = switch (action) {
      case "publish" -> "{'action':'publish','topic':'" + topic + "','message':1}";
      case "subscribe" -> "{'action':'subscribe','topic':'" + topic + "'}";
      case "replay-earliest" -> "{'action':'subscribe','topic':'" + topic + "','from':'earliest'}";
      case "replay-from" -> "{'action':'subscribe','topic':'" + topic + "','from':1}";
      default -> "{'action':'subscribe','topic':'" + topic + "','last':3}";
    };
    client.send(request);
    JsonObject reply = client.next();
    if (outcome.equals("forbidden")) {
      assertThat(reply.getString("error")).as("%s", reply).isEqualTo("forbidden");
      return;
    }
    assertThat(reply.getString("status")).as("%s", reply).isIn("published", "subscribed");
    if (reply.getString("status").equals("subscribed")) {
      // Undo it, so the next row's publish to the same topic is not pushed back here between replies.
      client.send("{'action':'unsubscribe','topic':'" + topic + "'}");
      JsonObject next = client.next();
      while ("message".equals(next.getString("type"))) {
        next = client.next();
      }
      assertThat(next.getString("status")).isEqualTo("unsubscribed");
    }
  }
}
