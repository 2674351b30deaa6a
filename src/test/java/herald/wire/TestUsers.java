package herald.wire;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** Users files for tests: bcrypt hashes at cost 4, the lowest, so that tests stay fast. */
public final class TestUsers {

  private TestUsers() {}

  public static String hash(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 4);
  }

  /** Writes {@code json} (single quotes become double quotes) to {@code file}. */
  public static Path write(Path file, String json) {
    try {
      return Files.writeString(file, WireClient.json(json));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
