package herald.net;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.TestCluster;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/protocol.md's table of `stats` counts names exactly the fields a single node and a cluster node send. */
@ExtendWith(VertxExtension.class)
class StatsDocTest {

  private static final Pattern ROW = Pattern.compile("^\\| `counts\\.([a-z_]+)` \\| (always|single node|cluster only) \\|",
      Pattern.MULTILINE);

  private static Set<String> documented(String where) throws Exception {
    Matcher m = ROW.matcher(Files.readString(Path.of("docs/protocol.md")));
    Set<String> fields = new TreeSet<>();
    while (m.find()) {
      if (m.group(2).equals("always") || m.group(2).equals(where)) {
        fields.add(m.group(1));
      }
    }
    return fields;
  }

  private static Set<String> sent(WireClient c) {
    c.send("{'action':'stats'}");
    JsonObject reply = c.next();
    assertThat(reply.getString("status")).isEqualTo("stats");
    return new TreeSet<>(reply.getJsonObject("counts").fieldNames());
  }

  @Test
  void aSingleNodeSendsTheDocumentedCounts(Vertx vertx) throws Exception {
    try (TestBroker broker = TestBroker.start(vertx); WireClient c = broker.connect()) {
      assertThat(sent(c)).isEqualTo(documented("single node"));
    }
  }

  @Test
  void aClusterNodeSendsTheDocumentedCounts() throws Exception {
    try (TestCluster cluster = TestCluster.of(1); WireClient c = cluster.connect(0)) {
      assertThat(sent(c)).isEqualTo(documented("cluster only"));
    }
  }
}
