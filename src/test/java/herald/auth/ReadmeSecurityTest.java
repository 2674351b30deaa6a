package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.TestBroker;
import herald.wire.WireClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The README's Security examples, taken from the README itself and run: the users file, the transcript, TLS. */
@ExtendWith(VertxExtension.class)
class ReadmeSecurityTest {

  @TempDir Path dir;

  private static String readme() throws Exception {
    return Files.readString(Path.of("README.md"));
  }

  /** The body of the first fenced block of {@code lang} after {@code anchor}. */
  private static String block(String text, String anchor, String lang) {
    int at = text.indexOf(anchor);
    assertThat(at).as("README has %s", anchor).isPositive();
    int start = text.indexOf("```" + lang + "\n", at) + lang.length() + 4;
    return text.substring(start, text.indexOf("```", start));
  }

  private Path usersFile() throws Exception {
    return Files.writeString(dir.resolve("users.json"), block(readme(), "Save this as `users.json`", "json"));
  }

  @Test
  void theUsersFileAndTheNcTranscriptAreTrue(Vertx vertx) throws Exception {
    List<String> transcript = block(readme(), "authenticate first thing on each connection", "text").lines().toList();
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("users_file", usersFile().toString()));
         WireClient c = broker.connect()) {
      JsonObject greeting = new JsonObject(transcript.get(1).replace(",...", ""));
      assertThat(c.greeting().getString("auth")).isEqualTo(greeting.getString("auth"));
      assertThat(c.greeting().getInteger("auth_timeout_seconds")).isEqualTo(greeting.getInteger("auth_timeout_seconds"));
      for (int i = 2; i < transcript.size(); i += 2) {
        c.sendRaw((transcript.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
        JsonObject expected = new JsonObject(transcript.get(i + 1));
        JsonObject actual = c.next();
        if (expected.getString("detail", "").endsWith("...")) {
          assertThat(actual.getString("detail")).startsWith(expected.getString("detail").replace("...", ""));
          expected.remove("detail");
          actual.remove("detail");
        }
        assertThat(actual).as("reply to %s", transcript.get(i)).isEqualTo(expected);
      }
    }
  }

  @Test
  void bobsHashIsOfBuilderAndTheTokenClaimIsValid(Vertx vertx) throws Exception {
    try (TestBroker broker = TestBroker.start(vertx, new JsonObject().put("users_file", usersFile().toString()));
         WireClient c = broker.connect()) {
      c.send("{'action':'auth','user':'bob','password':'builder'}").expect("{'status':'authenticated','user':'bob'}");
    }
    JsonObject claims = new JsonObject(block(readme(), "its permissions are the `herald` claim", "json"));
    Permissions p = Permissions.fromJson(claims.getJsonObject("herald"), "README");
    assertThat(p.mayPublish("orders.eu")).isTrue();
    assertThat(p.maySubscribe("secret.x")).isFalse();
  }

  @Test
  void theTlsCommandsWork(Vertx vertx) throws Exception {
    String sh = block(readme(), "A self-signed pair for trying it out", "sh");
    String req = sh.lines().filter(l -> l.startsWith("openssl req ")).findFirst().orElseThrow();
    String client = sh.lines().filter(l -> l.startsWith("openssl s_client ")).findFirst().orElseThrow();
    run(req);
    JsonObject settings = new JsonObject().put("users_file", usersFile().toString())
        .put("tls_cert", dir.resolve("tls.crt").toString()).put("tls_key", dir.resolve("tls.key").toString());
    try (TestBroker broker = TestBroker.start(vertx, settings)) {
      String command = client.replaceAll("\\s+#.*$", "").replace(":8888", ":" + broker.port());
      Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(false).start();
      try {
        OutputStream in = p.getOutputStream();
        in.write("{\"action\":\"auth\",\"user\":\"alice\",\"password\":\"wonderland\"}\n{\"action\":\"ping\"}\n"
            .getBytes(StandardCharsets.UTF_8));
        in.flush();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(new JsonObject(out.readLine()).getString("status")).isEqualTo("connected");
        assertThat(new JsonObject(out.readLine()).getString("status")).isEqualTo("authenticated");
        assertThat(new JsonObject(out.readLine()).getString("status")).isEqualTo("pong");
      } finally {
        p.destroy();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private void run(String command) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
  }
}
