package herald.auth;

import java.util.ArrayList;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Users and passwords over real sockets: the connection's life cycle with authentication on. */
@ExtendWith(VertxExtension.class)
class AuthTest {

  @TempDir Path dir;
  private Path usersFile;
  private TestBroker broker;

  @BeforeEach
  void start(Vertx vertx) {
    usersFile = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'alice','password':'" + TestUsers.hash("wonderland") + "','permissions':"
        + "{'publish':['orders.>','news'],'subscribe':{'allow':['>'],'deny':['secret.>']}}},"
        + "{'name':'bob','password':'" + TestUsers.hash("builder") + "','permissions':{'subscribe':['news','metrics.*']}}]}");
    broker = TestBroker.start(vertx, new JsonObject().put("users_file", usersFile.toString())
        .put("auth_timeout_seconds", 2));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private WireClient login(String user, String password) {
    WireClient c = broker.connect();
    c.send("{'action':'auth','user':'" + user + "','password':'" + password + "'}");
    c.expect("{'status':'authenticated','user':'" + user + "'}");
    return c;
  }

  @Test
  void theGreetingSaysAuthIsRequiredAndNothingButPingAndAuthIsCarriedOutBeforeIt() {
    try (WireClient c = broker.connect()) {
      assertThat(c.greeting().getString("auth")).isEqualTo("required");
      assertThat(c.greeting().getInteger("auth_timeout_seconds")).isEqualTo(2);
      c.send("{'action':'publish','topic':'news','message':1,'id':1}");
      assertThat(c.expectError("auth_required").getInteger("id")).isEqualTo(1);
      c.send("{'action':'subscribe','topic':'news'}").expectError("auth_required");
      c.send("{'action':'stats'}").expectError("auth_required");
      c.send("{'action':'ping'}").expect("{'status':'pong'}");
      c.send("{'action':'auth','user':'alice','password':'wonderland','id':'a'}")
          .expect("{'status':'authenticated','user':'alice','id':'a'}");
      c.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
    }
    // The refused publish stored nothing: the one above was seq 1.
  }

  @Test
  void requestsPipelinedBehindAnAuthAreCarriedOutAfterItInOrder() {
    try (WireClient c = broker.connect()) {
      c.sendRaw(WireClient.json("{'action':'auth','user':'alice','password':'wonderland'}\n"
          + "{'action':'publish','topic':'orders.eu','message':'a'}\n"
          + "{'action':'publish','topic':'orders.eu','message':'b'}\n"
          + "{'action':'subscribe','topic':'orders.eu','from':'earliest'}\n").getBytes());
      // Replies in request order; pushed messages in seq order, between replies as they happen (docs/protocol.md):
      // on disk the two publishes become visible, and are pushed, as they are written.
      List<JsonObject> replies = new ArrayList<>();
      List<JsonObject> pushed = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        JsonObject f = c.next();
        (f.containsKey("type") ? pushed : replies).add(f);
      }
      assertThat(replies).containsExactly(new JsonObject(WireClient.json("{'status':'authenticated','user':'alice'}")),
          new JsonObject(WireClient.json("{'status':'published','topic':'orders.eu','seq':1}")),
          new JsonObject(WireClient.json("{'status':'published','topic':'orders.eu','seq':2}")),
          new JsonObject(WireClient.json("{'status':'subscribed','topic':'orders.eu','from':1}")));
      assertThat(pushed).containsExactly(
          new JsonObject(WireClient.json("{'type':'message','topic':'orders.eu','data':'a','seq':1}")),
          new JsonObject(WireClient.json("{'type':'message','topic':'orders.eu','data':'b','seq':2}")));
    }
  }

  @ParameterizedTest(name = "{0}/{1}")
  @CsvSource({"alice, wrong", "mallory, wonderland", "alice, ''"})
  void aFailedAuthIsAnsweredAndTheConnectionClosesAboutASecondLater(String user, String password) {
    try (WireClient c = broker.connect()) {
      long start = System.nanoTime();
      c.send("{'action':'auth','user':'" + user + "','password':'" + password + "','id':7}"
          + "\n{'action':'ping'}");
      JsonObject error = c.expectError("auth_failed");
      assertThat(error.getInteger("id")).isEqualTo(7);
      assertThat(error.getString("detail")).isEqualTo("authentication failed"); // never which part was wrong
      c.expectClosed(); // the pipelined ping is not answered
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(800));
    }
  }

  @Test
  void aConnectionThatNeverAuthenticatesIsClosedAfterTheTimeout() {
    try (WireClient c = broker.connect()) {
      long start = System.nanoTime();
      c.send("{'action':'ping'}").expect("{'status':'pong'}");
      assertThat(c.expectError("auth_required").getString("detail")).contains("HERALD_AUTH_TIMEOUT_SECONDS");
      c.expectClosed();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1_500), Duration.ofMillis(4_000));
    }
    try (WireClient c = login("bob", "builder")) { // an authenticated one is not
      c.expectNothing(Duration.ofMillis(2_500));
      c.send("{'action':'ping'}").expect("{'status':'pong'}");
    }
  }

  @Test
  void aDeniedRequestIsForbiddenAndTheConnectionCarriesOn() {
    try (WireClient bob = login("bob", "builder"); WireClient alice = login("alice", "wonderland")) {
      bob.send("{'action':'publish','topic':'news','message':1,'id':1}");
      JsonObject e = bob.expectError("forbidden");
      assertThat(e.getString("detail")).isEqualTo("user bob may not publish to news");
      assertThat(e.getInteger("id")).isEqualTo(1);
      bob.send("{'action':'subscribe','topic':'metrics.cpu.total'}").expectError("forbidden");
      bob.send("{'action':'subscribe','topic':'news'}").expect("{'status':'subscribed','topic':'news'}");
      alice.send("{'action':'publish','topic':'news','message':'hi'}").expect("{'status':'published','topic':'news','seq':1}");
      bob.expect("{'type':'message','topic':'news','data':'hi','seq':1}");
      alice.send("{'action':'subscribe','topic':'secret.plans'}").expectError("forbidden");
      alice.send("{'action':'subscribe','topic':'secret.plans','from':'earliest'}").expectError("forbidden");
      alice.send("{'action':'subscribe','topic':'secret.plans','last':5}").expectError("forbidden");
    }
  }

  @Test
  void aSecondAuthMayNotBecomeAnotherUser() {
    try (WireClient c = login("alice", "wonderland")) {
      c.send("{'action':'auth','user':'bob','password':'builder'}").expectError("auth_failed");
      c.expectClosed();
    }
    try (WireClient c = login("alice", "wonderland")) { // the same user again is fine
      c.send("{'action':'auth','user':'alice','password':'wonderland'}").expect("{'status':'authenticated','user':'alice'}");
    }
  }

  @Test
  void aReloadAppliesToTheNextRequestAndARemovedUsersConnectionsAreClosed() throws Exception {
    try (WireClient bob = login("bob", "builder"); WireClient alice = login("alice", "wonderland")) {
      bob.send("{'action':'publish','topic':'news','message':1}").expectError("forbidden");
      TestUsers.write(usersFile, "{'users':[{'name':'bob','password':'" + TestUsers.hash("builder")
          + "','permissions':{'publish':['news'],'subscribe':['news']}}]}");
      // Within two file checks, alice is gone and bob may publish.
      JsonObject ended = alice.nextOrNull();
      assertThat(ended).isNotNull();
      assertThat(ended.getString("error")).isEqualTo("auth_failed");
      assertThat(ended.getString("detail")).contains("alice was removed");
      alice.expectClosed();
      bob.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
    }
    try (WireClient c = broker.connect()) {
      c.send("{'action':'auth','user':'alice','password':'wonderland'}").expectError("auth_failed");
    }
  }

  @Test
  void aBrokenUsersFileOnReloadIsLoggedAndTheOldUsersStay() throws Exception {
    TestUsers.write(usersFile, "{'users':[{'name':'alice','password':'plaintext'}]}");
    Thread.sleep(Security.FILE_CHECK_INTERVAL_MS * 2);
    try (WireClient c = login("alice", "wonderland")) {
      c.send("{'action':'publish','topic':'news','message':1}").expect("{'status':'published','topic':'news','seq':1}");
    }
  }

  @Test
  void failuresAndRefusalsAreCountedInTheMetrics() {
    try (WireClient c = broker.connect()) {
      c.send("{'action':'auth','user':'alice','password':'nope'}").expectError("auth_failed");
    }
    try (WireClient c = broker.connect()) {
      c.send("{'action':'auth','user':'nobody','password':'nope'}").expectError("auth_failed");
    }
    try (WireClient bob = login("bob", "builder")) {
      bob.send("{'action':'publish','topic':'news','message':1}").expectError("forbidden");
      bob.send("{'action':'publish','topic':'news','message':1}").expectError("forbidden");
      bob.send("{'action':'subscribe','topic':'orders'}").expectError("forbidden");
    }
    String metrics = broker.http("/metrics");
    assertThat(metrics).contains("herald_auth_failures_total{reason=\"bad_password\"} 1.0")
        .contains("herald_auth_failures_total{reason=\"unknown_user\"} 1.0")
        .contains("herald_forbidden_total{action=\"publish\"} 2.0")
        .contains("herald_forbidden_total{action=\"subscribe\"} 1.0");
  }

  @Test
  void unsubscribeAndPingNeedNoPermission() {
    try (WireClient bob = login("bob", "builder")) {
      bob.send("{'action':'unsubscribe','topic':'orders'}").expectError("not_subscribed");
      bob.send("{'action':'stats'}");
      assertThat(bob.next().getString("status")).isEqualTo("stats");
    }
  }
}
