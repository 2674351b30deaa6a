package herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import herald.deploy.DockerfileModel.Instruction;
import herald.deploy.DockerfileModel.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile at the repository root runs the jar the build produces, exposes the ports the broker
 * listens on by default, and does not run as root. No Docker engine needed: the file is parsed.
 */
class DockerfileTest {

  static DockerfileModel dockerfile;
  static Stage runtime;

  @BeforeAll
  static void parse() throws Exception {
    dockerfile = DockerfileModel.read(Path.of("Dockerfile"));
    runtime = dockerfile.runtime();
  }

  @Test
  void buildsInOneStageAndRunsOnAJreInAnother() {
    assertThat(dockerfile.stages).hasSizeGreaterThanOrEqualTo(2);
    assertThat(runtime.image()).as("runtime base image").contains("jre");
    assertThat(dockerfile.stages.get(0).all("RUN")).extracting(Instruction::arguments)
        .anySatisfy(run -> assertThat(run).contains("mvn").contains("package"));
  }

  @Test
  void entrypointRunsTheJarTheBuildProduces() throws Exception {
    List<String> entrypoint = DockerfileModel.execForm(runtime.last("ENTRYPOINT").orElseThrow().arguments());
    assertThat(entrypoint.get(0)).as("exec form, java as PID 1 so it receives SIGTERM").isEqualTo("java");
    assertThat(entrypoint).as("heap sized from the container's memory limit")
        .anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage="));
    int jarFlag = entrypoint.indexOf("-jar");
    assertThat(jarFlag).as("-jar in %s", entrypoint).isNotNegative().isLessThan(entrypoint.size() - 1);
    String jarInImage = entrypoint.get(jarFlag + 1);

    // The COPY that puts the jar there takes it from the build stage's target/herald.jar.
    String built = ShippedConfig.builtJar();
    Instruction copy = runtime.all("COPY").stream()
        .filter(c -> c.arguments().trim().endsWith(" " + jarInImage)).findFirst()
        .orElseThrow(() -> new AssertionError("no COPY puts anything at " + jarInImage));
    List<String> args = Arrays.asList(copy.arguments().trim().split("\\s+"));
    String from = args.stream().filter(a -> a.startsWith("--from=")).map(a -> a.substring(7)).findFirst()
        .orElseThrow(() -> new AssertionError("the jar is not copied from the build stage: " + copy));
    Stage build = dockerfile.stage(from).orElseThrow(() -> new AssertionError("no stage named " + from));
    String source = args.get(args.size() - 2);
    String workdir = build.last("WORKDIR").map(w -> w.arguments().trim()).orElse("/");
    String expected = workdir.endsWith("/") ? workdir + built : workdir + "/" + built;
    assertThat(Path.of(source).normalize()).as("COPY source, the build's %s", built)
        .isEqualTo(Path.of(expected).normalize());
  }

  /** One list of JVM flags for the image and bin/herald: the ENTRYPOINT reads conf/jvm.options as an @file. */
  @Test
  void entrypointTakesItsJvmFlagsFromConfJvmOptions() throws Exception {
    List<String> entrypoint = DockerfileModel.execForm(runtime.last("ENTRYPOINT").orElseThrow().arguments());
    String workdir = runtime.last("WORKDIR").orElseThrow().arguments().trim();
    // conf/ is copied to WORKDIR/conf (shipsTheConfigurationInTheWorkingDirectory), and mounted there in Kubernetes.
    assertThat(entrypoint).as("java reads the flags file itself").contains("@" + workdir + "/conf/jvm.options");
    assertThat(entrypoint.indexOf("@" + workdir + "/conf/jvm.options")).as("JVM options before -jar")
        .isLessThan(entrypoint.indexOf("-jar"));
    List<String> flags = Files.readAllLines(Path.of("conf/jvm.options")).stream()
        .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
    assertThat(flags).contains("-XX:+UseSerialGC", "-Xmn64m");
    assertThat(entrypoint).as("flags that are in conf/jvm.options are not repeated").doesNotContainAnyElementsOf(flags);
    assertThat(flags).as("no heap limit that would override the container's MaxRAMPercentage")
        .noneMatch(f -> f.startsWith("-Xmx") || f.startsWith("-XX:MaxHeapSize"));
  }

  @Test
  void exposesThePortsTheBrokerListensOn() throws Exception {
    Map<String, String> env = runtime.env();
    assertThat(env).as("the event-bus port must be fixed to be exposable").containsKey("HERALD_EVENTBUS_PORT");
    int eventBus = Integer.parseInt(env.get("HERALD_EVENTBUS_PORT"));
    assertThat(eventBus).isPositive();
    int client = Integer.parseInt(env.getOrDefault("HERALD_PORT", "" + ShippedConfig.shippedInt("port", -1)));
    int hazelcast = Integer.parseInt(env.getOrDefault("HERALD_HAZELCAST_PORT",
        "" + ShippedConfig.shippedInt("hazelcast_port", -1)));
    int http = Integer.parseInt(env.getOrDefault("HERALD_HTTP_PORT",
        "" + ShippedConfig.shippedInt("http_port", ShippedConfig.DEFAULT_HTTP_PORT)));
    assertThat(client).isEqualTo(8888);
    assertThat(hazelcast).isEqualTo(5701);
    assertThat(DockerfileModel.exposed(runtime)).containsExactlyInAnyOrder(client, http, hazelcast, eventBus);
  }

  @Test
  void healthcheckCallsTheLivenessEndpoint() throws Exception {
    String check = runtime.last("HEALTHCHECK").orElseThrow().arguments();
    int http = ShippedConfig.shippedInt("http_port", ShippedConfig.DEFAULT_HTTP_PORT);
    assertThat(check).contains("CMD").contains("http://127.0.0.1:" + http + "/health/live");
  }

  @Test
  void runsAsANumericNonRootUser() {
    String user = runtime.last("USER").orElseThrow(() -> new AssertionError("no USER: the image runs as root"))
        .arguments().trim();
    String[] uidGid = user.split(":");
    assertThat(uidGid[0]).as("USER %s: numeric, so Kubernetes can check runAsNonRoot", user).matches("[0-9]+");
    assertThat(Integer.parseInt(uidGid[0])).as("USER %s", user).isNotZero();
    if (uidGid.length > 1) {
      assertThat(uidGid[1]).as("group of USER %s", user).isNotIn("0", "root");
    }
  }

  @Test
  void setsOnlyRealSettings() {
    assertThat(runtime.env().keySet()).filteredOn(k -> k.startsWith("HERALD_"))
        .allSatisfy(k -> assertThat(ShippedConfig.settingEnvNames()).as("HERALD_* setting").contains(k));
  }

  @Test
  void shipsTheConfigurationInTheWorkingDirectory() throws Exception {
    String workdir = runtime.last("WORKDIR").orElseThrow().arguments().trim();
    assertThat(runtime.all("COPY")).extracting(Instruction::arguments)
        .anySatisfy(c -> assertThat(c.trim()).matches("conf/?\\s+" + Pattern.quote(workdir) + "/conf/?"));
    // The kustomization that turns conf/ into a ConfigMap stays out of the image.
    assertThat(Files.readAllLines(Path.of(".dockerignore"))).contains("conf/kustomization.yaml");
  }
}
