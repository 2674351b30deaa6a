package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestCluster;
import herald.wire.TestPki;
import herald.wire.TestUsers;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Three nodes reading the same users file and TLS files, as Kubernetes Secrets give every pod the same ones. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterAuthTest {

  private Path dir;
  private TestPki pki;
  private Path users;
  private TestCluster cluster;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("herald-cluster-auth");
    pki = TestPki.create(dir);
    users = TestUsers.write(dir.resolve("users.json"), "{'users':["
        + "{'name':'alice','password':'" + TestUsers.hash("a") + "','permissions':{'subscribe':['orders.>']}},"
        + "{'name':'bob','password':'" + TestUsers.hash("b") + "','permissions':{'publish':['orders.>']}}]}");
    cluster = TestCluster.of(3, new JsonObject().put("users_file", users.toString())
        .put("tls_cert", pki.serverCert.toString()).put("tls_key", pki.serverKey.toString()));
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  private WireClient login(int node, String user, String password) {
    WireClient c = WireClient.over(pki.connect(cluster.node(node).port(), null));
    assertThat(c.greeting().getString("auth")).isEqualTo("required");
    c.send("{'action':'auth','user':'" + user + "','password':'" + password + "'}");
    c.expect("{'status':'authenticated','user':'" + user + "'}");
    return c;
  }

  /** 1 publisher on node 2 x 2 subscribers on nodes 0 and 1 x 50 messages, every node over TLS with auth. */
  @Test
  void everyNodeAuthenticatesAndChecksPermissionsAndMessagesCrossNodes() {
    try (WireClient alice0 = login(0, "alice", "a"); WireClient alice1 = login(1, "alice", "a");
         WireClient bob = login(2, "bob", "b")) {
      alice0.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
      alice1.send("{'action':'subscribe','topic':'orders.eu'}").expect("{'status':'subscribed','topic':'orders.eu'}");
      bob.send("{'action':'subscribe','topic':'orders.eu'}").expectError("forbidden");
      alice0.send("{'action':'publish','topic':'orders.eu','message':0}").expectError("forbidden");
      for (int i = 1; i <= 50; i++) {
        bob.send("{'action':'publish','topic':'orders.eu','message':" + i + "}")
            .expect("{'status':'published','topic':'orders.eu','seq':" + i + "}");
      }
      for (int i = 1; i <= 50; i++) {
        alice0.expect("{'type':'message','topic':'orders.eu','data':" + i + ",'seq':" + i + "}");
        alice1.expect("{'type':'message','topic':'orders.eu','data':" + i + ",'seq':" + i + "}");
      }
      for (int node = 0; node < 3; node++) {
        try (WireClient wrong = WireClient.over(pki.connect(cluster.node(node).port(), null))) {
          wrong.send("{'action':'auth','user':'bob','password':'a'}").expectError("auth_failed");
        }
      }
    }
  }
}
