package herald.store;

import herald.codec.TopicName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The directory name of a topic's log. Topic names ({@link TopicName}) are dot-separated tokens of
 * {@code [A-Za-z0-9_-]}, at most 255 characters, so they cannot climb out of the data directory ({@code ..} has
 * empty tokens) and hold no separator. Two things still need care:
 * <ul>
 *   <li>case: {@code News} and {@code news} are two topics, but one directory on a case-insensitive file system
 *       (macOS, Windows volumes mounted into a container), so each upper-case letter becomes {@code ^} and the
 *       letter in lower case;</li>
 *   <li>length: a name with many capitals can pass the file system's 255-byte limit on a name, so a long one is
 *       cut and gets a hash of the whole name.</li>
 * </ul>
 * The directory name is not the source of truth: each directory holds a {@code topic} file with the exact name,
 * which is what {@link Store} reads at start-up.
 */
final class TopicDirs {

  /** Well under the 255-byte file name limit of ext4, xfs, btrfs and tmpfs, leaving room for a suffix. */
  static final int MAX_DIR_NAME = 200;

  /** Length of the hash suffix in hex: 64 bits, so two long names colliding is not a practical concern. */
  private static final int HASH_HEX = 16;

  private TopicDirs() {}

  static String dirName(String topic) {
    String problem = TopicName.problem(topic);
    if (problem != null) {
      throw new IllegalArgumentException("not a topic name: " + problem);
    }
    StringBuilder s = new StringBuilder(topic.length() + 8);
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        s.append('^').append((char) (c + ('a' - 'A')));
      } else {
        s.append(c);
      }
    }
    if (s.length() <= MAX_DIR_NAME) {
      return s.toString();
    }
    return s.substring(0, MAX_DIR_NAME - HASH_HEX - 1) + "~" + hash(topic);
  }

  private static String hash(String topic) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(topic.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, HASH_HEX);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
