package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import herald.wire.NodeProcess;
import herald.wire.Tmpfs;
import herald.wire.WireClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose data directory is a small tmpfs this test mounts (root): when it fills, publishes get
 * {@code disk_full}, reads and subscriptions go on, {@code /health/ready} and the metrics say so; once space is
 * freed, publishes are stored again and the node is ready.
 */
class NodeDiskFullTest {

  /** Small enough to fill in a moment with 32 KiB messages. */
  private static final String TMPFS_SIZE = "3m";
  /** A file of ours on the tmpfs, deleted to free space. */
  private static final int FILLER_BYTES = 1024 * 1024;

  @TempDir
  Path tmp;
  private Tmpfs disk;
  private Path mount;
  private NodeProcess node;

  @BeforeEach
  void mountTmpfs() throws Exception {
    disk = Tmpfs.mount(tmp.resolve("small"), TMPFS_SIZE);
    mount = disk.path();
  }

  @AfterEach
  void unmount() throws Exception {
    if (node != null) {
      node.kill();
    }
    if (disk != null) {
      disk.close();
    }
  }

  /** {@code interval}: publishes written at the end of the turn; {@code always}: batched behind an fsync. */
  @ParameterizedTest(name = "fsync {0}")
  @ValueSource(strings = {"interval", "always"})
  void aFullDiskRefusesPublishesWithDiskFullAndKeepsServingReads(String fsync) throws Exception {
    Path filler = mount.resolve("filler");
    Files.write(filler, new byte[FILLER_BYTES]);
    node = NodeProcess.start(Map.of("HERALD_DATA_DIR", mount.resolve("data").toString(), "HERALD_FSYNC", fsync));
    node.awaitReady();
    String big = "\"" + "x".repeat(32 * 1024) + "\"";
    long stored = 0;
    JsonObject refusal = null;
    try (WireClient pub = node.connect()) {
      // Bounded: 3 MiB holds fewer than 100 such messages.
      for (int i = 1; i <= 200 && refusal == null; i++) {
        pub.send("{\"action\":\"publish\",\"topic\":\"big\",\"message\":" + big + ",\"id\":" + i + "}");
        JsonObject reply = pub.next();
        if ("published".equals(reply.getString("status"))) {
          stored = reply.getLong("seq");
        } else {
          refusal = reply;
        }
      }
      assertThat(refusal).as("the tmpfs filled up").isNotNull();
      assertThat(refusal.getString("error")).isEqualTo("disk_full");
      assertThat(refusal.getString("detail")).contains("not stored").contains("disk full");
      assertThat(stored).isPositive();

      // Reads go on: every stored message replays, and subscriptions are taken.
      try (WireClient sub = node.connect()) {
        sub.send("{\"action\":\"subscribe\",\"topic\":\"big\",\"from\":\"earliest\"}");
        assertThat(sub.next().getString("status")).isEqualTo("subscribed");
        for (long seq = 1; seq <= stored; seq++) {
          assertThat(sub.next().getLong("seq")).isEqualTo(seq);
        }
      }
      assertThat(node.status("/health/ready")).isEqualTo(503);
      assertThat(node.get("/health/ready").body()).contains("storage").contains("disk full");
      assertThat(node.get("/metrics").body()).contains("herald_storage_ok 0.0");

      // The operator frees space: the next publish is stored, with the next seq, and the node is ready again.
      Files.delete(filler);
      pub.send("{\"action\":\"publish\",\"topic\":\"big\",\"message\":\"small\",\"id\":\"after\"}");
      JsonObject after = pub.next();
      assertThat(after.getString("status")).as("%s", after).isEqualTo("published");
      assertThat(after.getLong("seq")).isEqualTo(stored + 1);
      assertThat(node.status("/health/ready")).isEqualTo(200);
      assertThat(node.get("/metrics").body()).contains("herald_storage_ok 1.0");
    }
  }
}
