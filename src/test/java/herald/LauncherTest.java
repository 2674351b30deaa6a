package herald;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/herald, run as a user runs it. Tests run before {@code mvn package} builds target/herald.jar, so the
 * script and conf/jvm.options are copied into a scratch layout whose target/herald.jar is a manifest-only jar
 * naming the test class path: the script under test is the repository's own, byte for byte.
 */
class LauncherTest {

  private record Run(int status, String out, String err) {}

  private static Run launch(Path home, List<String> args, String jdkJavaOptions) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/herald").toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JDK_JAVA_OPTIONS", jdkJavaOptions);
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /** HOME/bin/herald, HOME/conf/jvm.options and a HOME/target/herald.jar that runs this build's classes. */
  private static Path layout(Path home) throws Exception {
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("conf"));
    Files.createDirectories(home.resolve("target"));
    Files.copy(Path.of("bin/herald"), home.resolve("bin/herald"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(Path.of("conf/jvm.options"), home.resolve("conf/jvm.options"));
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(
            System.getProperty("java.class.path").split(File.pathSeparator))
        .map(e -> Path.of(e).toUri().toString()).collect(Collectors.joining(" ")));
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(home.resolve("target/herald.jar")), manifest)) {
      // the manifest is all it needs
    }
    return home;
  }

  @Test
  void runsTheJarWithTheFlagsOfConfJvmOptionsAndPassesSubcommandsThrough(@TempDir Path dir) throws Exception {
    assertThat(Files.isExecutable(Path.of("bin/herald"))).as("bin/herald is executable").isTrue();
    Path home = layout(dir.resolve("herald"));

    // -Xlog:gc names the collector at start-up: Serial only if conf/jvm.options was applied (on two or
    // more CPUs the JVM's own choice is G1).
    Run version = launch(home, List.of("--version"), "-Xlog:gc:stderr");
    assertThat(version.status()).as(version.err()).isZero();
    assertThat(version.out()).isEqualTo("herald " + Broker.VERSION + "\n");
    assertThat(version.err()).contains("Using Serial");

    Run pubVersion = launch(home, List.of("pub", "-V"), "-Xlog:disable");
    assertThat(pubVersion).isEqualTo(new Run(0, "herald " + Broker.VERSION + "\n",
        "NOTE: Picked up JDK_JAVA_OPTIONS: -Xlog:disable\n"));
  }

  @Test
  void withoutTheJarItSaysHowToBuildIt(@TempDir Path dir) throws Exception {
    Path home = layout(dir.resolve("herald"));
    Files.delete(home.resolve("target/herald.jar"));
    Run run = launch(home, List.of("--version"), "");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("herald.jar not found").contains("mvn -B -q package -DskipTests");
  }
}
