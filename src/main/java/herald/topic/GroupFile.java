package herald.topic;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A single node's consumer groups on disk: every group's state in one file, {@code <data>/groups}, rewritten
 * whole (a temporary file, then an atomic rename) at most once a tick when a group changed. A crash loses at most
 * the changes of the last tick: acks among them are delivered again (groups are at-least-once), never lost.
 *
 * <p>Format: the magic {@code HGRP}, a version (1), the groups (topic, name, {@link Group#write}), and a CRC32C
 * of everything before it, so a torn or damaged file is detected rather than half read.
 */
final class GroupFile {

  static final String FILE = "groups";
  private static final int MAGIC = 0x48475250; // "HGRP"
  private static final int VERSION = 1;

  private GroupFile() {}

  /** The groups saved in {@code dataDir}, or none when there is no file; throws if it is damaged. */
  static Map<String, Map<String, Group>> load(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    Map<String, Map<String, Group>> groups = new HashMap<>();
    if (!Files.exists(file)) {
      return groups;
    }
    byte[] all = Files.readAllBytes(file);
    if (all.length < 12) {
      throw new IOException(file + " is too short (" + all.length + " bytes)");
    }
    CRC32C crc = new CRC32C();
    crc.update(all, 0, all.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(all, all.length - 4, 4).getInt()) {
      throw new IOException(file + " fails its checksum");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 4));
    if (in.readInt() != MAGIC) {
      throw new IOException(file + " is not a Herald groups file");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException(file + " has format version " + version + "; this Herald reads version " + VERSION);
    }
    for (int n = in.readInt(); n > 0; n--) {
      String topic = in.readUTF();
      String name = in.readUTF();
      groups.computeIfAbsent(topic, t -> new HashMap<>()).put(name, Group.read(in));
    }
    return groups;
  }

  /** Replaces the file with {@code groups}; fsyncs it (and the directory) when {@code durable}. */
  static void save(Path dataDir, Map<String, Map<String, Group>> groups, boolean durable) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      int count = groups.values().stream().mapToInt(Map::size).sum();
      out.writeInt(count);
      for (Map.Entry<String, Map<String, Group>> byTopic : groups.entrySet()) {
        for (Map.Entry<String, Group> g : byTopic.getValue().entrySet()) {
          out.writeUTF(byTopic.getKey());
          out.writeUTF(g.getKey());
          g.getValue().write(out);
        }
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      Path tmp = dataDir.resolve(FILE + ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray());
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (durable) {
        try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
          dir.force(true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("saving consumer groups to " + dataDir.resolve(FILE), e);
    }
  }
}
