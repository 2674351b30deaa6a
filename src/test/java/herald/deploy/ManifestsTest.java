package herald.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * The Kubernetes manifests in k8s/: rendered with {@code kubectl kustomize k8s/}, every object parsed into
 * fabric8's typed model, strictly (no unknown field, no value of the wrong type, as the API server would
 * refuse them), then checked for the mistakes a schema cannot see: selectors that miss their pods, ports
 * no container exposes, settings that do not exist.
 */
class ManifestsTest {

  /** The port-name rule for containers and Services (IANA_SVC_NAME): at most 15 characters. */
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

  private static final KubernetesSerialization STRICT = strictSerialization();

  private static List<HasMetadata> rendered;

  // ---------------------------------------------------------------------------------------------------
  // Parsing

  /**
   * fabric8's serialization, made as strict as the API server about types: Jackson would otherwise read
   * {@code replicas: "3"} as 3 and an env {@code value: 5702} as "5702", both of which Kubernetes rejects.
   */
  private static KubernetesSerialization strictSerialization() {
    JsonMapper mapper = JsonMapper.builder()
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .withCoercionConfig(LogicalType.Textual, c -> c
            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
        .build();
    return new KubernetesSerialization(mapper, true);
  }

  /** One YAML document as its typed object, or an AssertionError naming what is wrong with it. */
  static HasMetadata parse(String yaml) {
    // As JSON, so the strict mapper reads it (fabric8 reads YAML with a lenient mapper of its own).
    String document = STRICT.convertToJson(yaml);
    GenericKubernetesResource generic = STRICT.unmarshal(document, GenericKubernetesResource.class);
    String what = generic.getApiVersion() + " " + generic.getKind() + " "
        + (generic.getMetadata() == null ? "(no metadata)" : generic.getMetadata().getName());
    Class<? extends KubernetesResource> type =
        STRICT.getRegisteredKubernetesResource(generic.getApiVersion(), generic.getKind());
    if (type == null || type == GenericKubernetesResource.class || !HasMetadata.class.isAssignableFrom(type)) {
      throw new AssertionError(what + ": not a Kubernetes type this test knows (wrong apiVersion or kind?)");
    }
    HasMetadata typed;
    try {
      typed = (HasMetadata) STRICT.unmarshal(document, type);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e; // fabric8 wraps Jackson's message
      throw new AssertionError(what + ": does not fit " + type.getSimpleName() + ": " + cause.getMessage(), e);
    }
    List<String> unknown = new ArrayList<>();
    unknownFields(typed, "", unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
    if (!unknown.isEmpty()) {
      throw new AssertionError(what + ": unknown fields (misspelt, misplaced or of the wrong type): " + unknown);
    }
    // Jackson still coerces some scalars (a quoted "3" into an int field): the typed object, written back,
    // must be the document that was read, value for value and type for type.
    List<String> changed = new ArrayList<>();
    differences(STRICT.unmarshal(document, JsonNode.class), STRICT.convertValue(typed, JsonNode.class), "",
        changed);
    if (!changed.isEmpty()) {
      throw new AssertionError(what + ": values of the wrong type (read as something else): " + changed);
    }
    return typed;
  }

  private static void differences(JsonNode read, JsonNode typed, String path, List<String> out) {
    if (read.equals(typed) || read.isIntegralNumber() && typed.isIntegralNumber()
        && read.bigIntegerValue().equals(typed.bigIntegerValue())) {
      return; // an int read into a long field is still the same number
    }
    if (read.isObject() && typed.isObject()) {
      Set<String> names = new java.util.TreeSet<>();
      read.fieldNames().forEachRemaining(names::add);
      typed.fieldNames().forEachRemaining(names::add);
      names.forEach(n -> differences(read.path(n), typed.path(n), path + "." + n, out));
    } else if (read.isArray() && typed.isArray() && read.size() == typed.size()) {
      for (int i = 0; i < read.size(); i++) {
        differences(read.get(i), typed.get(i), path + "[" + i + "]", out);
      }
    } else {
      out.add((path.isEmpty() ? "." : path.substring(1)) + ": " + (read.isMissingNode() ? "(absent)" : read)
          + " read as " + (typed.isMissingNode() ? "(absent)" : typed));
    }
  }

  /**
   * Collects the non-empty {@code additionalProperties} of every model object reachable from {@code o}:
   * fabric8 puts there every field its type does not have, and every value whose type does not fit.
   */
  private static void unknownFields(Object o, String path, List<String> out, Set<Object> seen) {
    if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>
        || !seen.add(o)) {
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
      return;
    }
    if (o instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
          || m.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue; // a computed getter that does not apply to this value
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.forEach((k, v) -> out.add((path.isEmpty() ? "" : path.substring(1) + ".") + k + " = " + v));
        }
      } else {
        String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
        unknownFields(value, path + "." + field, out, seen);
      }
    }
  }

  private static boolean onPath(String command) {
    return Stream.of(Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator))
        .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
  }

  /** {@code kubectl kustomize DIR}'s output; skips the calling test where kubectl is not installed. */
  private static String kustomize(String dir) throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: the manifests cannot be rendered here");
    File errors = File.createTempFile("kustomize", ".err");
    errors.deleteOnExit();
    Process p = new ProcessBuilder("kubectl", "kustomize", dir).redirectError(errors).start();
    String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, Files.readString(errors.toPath())).isZero();
    return yaml;
  }

  private static List<String> documents(String yaml) {
    return Stream.of(yaml.split("(?m)^---\\s*$")).filter(d -> !d.isBlank()).toList();
  }

  /** {@code kubectl kustomize k8s/}, parsed; skips the calling test where kubectl is not installed. */
  static synchronized List<HasMetadata> rendered() throws Exception {
    if (rendered == null) {
      String yaml = kustomize("k8s/");
      List<HasMetadata> objects = new ArrayList<>();
      for (String document : documents(yaml)) {
        objects.add(parse(document));
      }
      rendered = objects;
    }
    return rendered;
  }

  private static <T extends HasMetadata> List<T> all(Class<T> type) throws Exception {
    return rendered().stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** A StatefulSet or Deployment: what runs pods. */
  record Workload(String kind, String name, Integer replicas, LabelSelector selector, PodTemplateSpec template) {

    Map<String, String> podLabels() {
      return template.getMetadata() == null || template.getMetadata().getLabels() == null
          ? Map.of() : template.getMetadata().getLabels();
    }

    List<Container> containers() {
      return template.getSpec().getContainers();
    }

    List<ContainerPort> ports() {
      return containers().stream().flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
          .toList();
    }

    /** Whether a port (number or name, as in a Service's targetPort or a probe) is one a container exposes. */
    boolean exposes(IntOrString port) {
      return ports().stream().anyMatch(p -> port.getIntVal() != null
          ? port.getIntVal().equals(p.getContainerPort())
          : port.getStrVal().equals(p.getName()));
    }
  }

  private static List<Workload> workloads() throws Exception {
    List<Workload> out = new ArrayList<>();
    for (StatefulSet s : all(StatefulSet.class)) {
      out.add(new Workload("StatefulSet", s.getMetadata().getName(), s.getSpec().getReplicas(),
          s.getSpec().getSelector(), s.getSpec().getTemplate()));
    }
    for (Deployment d : all(Deployment.class)) {
      out.add(new Workload("Deployment", d.getMetadata().getName(), d.getSpec().getReplicas(),
          d.getSpec().getSelector(), d.getSpec().getTemplate()));
    }
    return out;
  }

  private static Workload broker() throws Exception {
    List<Workload> workloads = workloads();
    assertThat(workloads).as("one broker workload").hasSize(1);
    return workloads.get(0);
  }

  private static Container brokerContainer() throws Exception {
    List<Container> containers = broker().containers();
    assertThat(containers).as("one container").hasSize(1);
    return containers.get(0);
  }

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> required = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    List<LabelSelectorRequirement> expressions =
        selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    if (required.isEmpty() && expressions.isEmpty()) {
      return false; // matches every pod in the namespace: never what the manifests mean
    }
    if (!labels.entrySet().containsAll(required.entrySet())) {
      return false;
    }
    for (LabelSelectorRequirement r : expressions) {
      String value = labels.get(r.getKey());
      boolean ok = switch (r.getOperator()) {
        case "In" -> value != null && r.getValues().contains(value);
        case "NotIn" -> value == null || !r.getValues().contains(value);
        case "Exists" -> value != null;
        case "DoesNotExist" -> value == null;
        default -> throw new AssertionError("unknown selector operator " + r.getOperator());
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static List<Workload> selectedBy(Map<String, String> serviceSelector) throws Exception {
    LabelSelector selector = new LabelSelector(List.of(), serviceSelector);
    List<Workload> out = new ArrayList<>();
    for (Workload w : workloads()) {
      if (matches(selector, w.podLabels())) {
        out.add(w);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // The checker checks

  @Test
  void strictParsingRejectsWhatTheApiServerWould() {
    String good = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: x}
        spec:
          replicas: 3
          serviceName: x
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  env: [{name: HERALD_PORT, value: "8888"}]
                  resources: {limits: {memory: 1Gi, cpu: "2"}}
        """;
    assertThat(parse(good)).isInstanceOf(StatefulSet.class);
    Map<String, String> bad = Map.of(
        "a string for an integer", good.replace("replicas: 3", "replicas: \"3\""),
        "an integer for a string", good.replace("value: \"8888\"", "value: 8888"),
        "a misspelt field", good.replace("serviceName: x", "servicename: x"),
        "a misplaced field", good.replace("image: i", "image: i\n          replicas: 1"),
        "a map for a list", good.replace("env: [{name: HERALD_PORT, value: \"8888\"}]",
            "env: {HERALD_PORT: \"8888\"}"),
        "an unknown kind", good.replace("kind: StatefulSet", "kind: StatefullSet"),
        "a wrong apiVersion", good.replace("apiVersion: apps/v1", "apiVersion: v1"));
    List<String> accepted = new ArrayList<>();
    bad.forEach((what, yaml) -> {
      try {
        parse(yaml);
        accepted.add(what);
      } catch (AssertionError e) {
        // rejected, as it should be
      }
    });
    assertThat(accepted).as("mistakes the strict parser let through").isEmpty();
  }

  // ---------------------------------------------------------------------------------------------------
  // The manifests

  @Test
  void renderIntoTheExpectedObjects() throws Exception {
    List<String> kinds = rendered().stream().map(HasMetadata::getKind).sorted().toList();
    assertThat(kinds).contains("ConfigMap", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget",
        "Service", "Service");
    assertThat(workloads()).hasSize(1);
    Set<String> names = new HashSet<>();
    for (HasMetadata o : rendered()) {
      assertThat(names.add(o.getKind() + "/" + o.getMetadata().getName())).as("duplicate %s %s", o.getKind(),
          o.getMetadata().getName()).isTrue();
    }
  }

  @Test
  void selectorsMatchThePodTemplate() throws Exception {
    for (Workload w : workloads()) {
      assertThat(matches(w.selector(), w.podLabels())).as("%s %s selector %s matches its template labels %s",
          w.kind(), w.name(), w.selector(), w.podLabels()).isTrue();
      if (w.template().getSpec().getTopologySpreadConstraints() != null) {
        w.template().getSpec().getTopologySpreadConstraints().forEach(t -> assertThat(
            matches(t.getLabelSelector(), w.podLabels())).as("topology spread selector of %s", w.name()).isTrue());
      }
    }
    for (Service s : all(Service.class)) {
      assertThat(selectedBy(s.getSpec().getSelector())).as("pods selected by Service %s", s.getMetadata().getName())
          .isNotEmpty();
    }
    Map<String, String> brokerLabels = broker().podLabels();
    for (PodDisruptionBudget pdb : all(PodDisruptionBudget.class)) {
      assertThat(matches(pdb.getSpec().getSelector(), brokerLabels)).as("PDB %s", pdb.getMetadata().getName())
          .isTrue();
    }
    for (NetworkPolicy np : all(NetworkPolicy.class)) {
      assertThat(matches(np.getSpec().getPodSelector(), brokerLabels)).as("NetworkPolicy %s podSelector",
          np.getMetadata().getName()).isTrue();
      np.getSpec().getIngress().stream().flatMap(rule -> rule.getFrom() == null ? Stream.empty() : rule.getFrom().stream())
          .map(NetworkPolicyPeer::getPodSelector).filter(Objects::nonNull)
          .forEach(peer -> assertThat(matches(peer, brokerLabels)).as("ingress peer %s", peer).isTrue());
    }
    for (HorizontalPodAutoscaler hpa : all(HorizontalPodAutoscaler.class)) {
      var ref = hpa.getSpec().getScaleTargetRef();
      Workload target = workloads().stream().filter(w -> w.kind().equals(ref.getKind()) && w.name().equals(ref.getName()))
          .findFirst().orElseThrow(() -> new AssertionError("HPA targets " + ref.getKind() + " " + ref.getName()
              + ", which the manifests do not define"));
      assertThat(ref.getApiVersion()).isEqualTo("apps/v1");
      assertThat(target.replicas()).as("replicas within the HPA's range")
          .isBetween(hpa.getSpec().getMinReplicas(), hpa.getSpec().getMaxReplicas());
    }
  }

  @Test
  void portNamesAreValid() throws Exception {
    List<String> names = new ArrayList<>();
    broker().ports().forEach(p -> names.add(p.getName()));
    for (Service s : all(Service.class)) {
      s.getSpec().getPorts().forEach(p -> names.add(p.getName()));
    }
    assertThat(names).allSatisfy(name -> {
      assertThat(name).as("port name").isNotNull().hasSizeLessThanOrEqualTo(15);
      assertThat(name).matches(PORT_NAME).matches(".*[a-z].*");
    });
    assertThat(broker().ports()).extracting(ContainerPort::getName).doesNotHaveDuplicates();
  }

  @Test
  void servicesProbesAndPoliciesUsePortsTheContainerExposes() throws Exception {
    for (Service s : all(Service.class)) {
      for (ServicePort port : s.getSpec().getPorts()) {
        IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
        for (Workload w : selectedBy(s.getSpec().getSelector())) {
          assertThat(w.exposes(target)).as("Service %s port %s: targetPort %s is a container port of %s",
              s.getMetadata().getName(), port.getName(), target, w.name()).isTrue();
        }
      }
    }
    Workload broker = broker();
    for (Container c : broker.containers()) {
      for (Probe probe : Stream.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())
          .filter(Objects::nonNull).toList()) {
        IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort()
            : probe.getTcpSocket() != null ? probe.getTcpSocket().getPort()
            : probe.getGrpc() != null ? new IntOrString(probe.getGrpc().getPort()) : null;
        if (port != null) {
          assertThat(broker.exposes(port)).as("probe port %s", port).isTrue();
        }
      }
    }
    for (NetworkPolicy np : all(NetworkPolicy.class)) {
      np.getSpec().getIngress().stream().flatMap(rule -> rule.getPorts() == null ? Stream.empty() : rule.getPorts().stream())
          .map(NetworkPolicyPort::getPort)
          .forEach(port -> assertThat(broker.exposes(port)).as("NetworkPolicy port %s", port).isTrue());
    }
    // The image must expose what the pods declare.
    List<Integer> exposed = DockerfileModel.exposed(DockerfileModel.read(Path.of("Dockerfile")).runtime());
    assertThat(broker.ports()).extracting(ContainerPort::getContainerPort).allSatisfy(p ->
        assertThat(exposed).as("EXPOSEd in the Dockerfile").contains(p));
  }

  @Test
  void probesUseTheHealthEndpoints() throws Exception {
    Container c = brokerContainer();
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    int http = ShippedConfig.shippedInt("http_port", ShippedConfig.DEFAULT_HTTP_PORT);
    assertThat(brokerContainer().getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(http);
    });
  }

  /**
   * The quorum is a majority of HERALD_CLUSTER_SIZE: it must be the StatefulSet's replicas, or a partition
   * could leave two sides that each think they hold a majority (more replicas), or none (fewer).
   */
  @Test
  void clusterSizeIsTheStatefulSetsReplicas() throws Exception {
    StatefulSet set = all(StatefulSet.class).stream().findFirst()
        .orElseThrow(() -> new AssertionError("no StatefulSet"));
    assertThat(env(brokerContainer()).get("HERALD_CLUSTER_SIZE")).as("HERALD_CLUSTER_SIZE")
        .isEqualTo(String.valueOf(set.getSpec().getReplicas()));
  }

  /**
   * Each pod keeps its copies of the topic logs on a volume of its own: HERALD_DATA_DIR is where a volume from the
   * StatefulSet's volumeClaimTemplates is mounted (an emptyDir would be lost with the pod, and the cluster with it
   * after a full stop).
   */
  @Test
  void theDataDirectoryIsAVolumeClaimedPerPod() throws Exception {
    StatefulSet set = all(StatefulSet.class).stream().findFirst()
        .orElseThrow(() -> new AssertionError("no StatefulSet"));
    var container = brokerContainer();
    String dataDir = env(container).get("HERALD_DATA_DIR");
    assertThat(dataDir).as("HERALD_DATA_DIR").isNotBlank();
    var mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dataDir)).findFirst()
        .orElseThrow(() -> new AssertionError("nothing is mounted at HERALD_DATA_DIR " + dataDir));
    assertThat(set.getSpec().getVolumeClaimTemplates()).as("volumeClaimTemplates")
        .anySatisfy(claim -> {
          assertThat(claim.getMetadata().getName()).isEqualTo(mount.getName());
          assertThat(claim.getSpec().getResources().getRequests()).containsKey("storage");
        });
    assertThat(set.getSpec().getTemplate().getSpec().getVolumes()).as("a pod volume would shadow the claim")
        .noneMatch(v -> v.getName().equals(mount.getName()));
  }

  @Test
  void headlessServiceDiscoversTheMembers() throws Exception {
    StatefulSet set = all(StatefulSet.class).stream().findFirst().orElse(null);
    Map<String, String> env = env(brokerContainer());
    String dns = env.get("HERALD_K8S_SERVICE_DNS");
    assertThat(dns).as("HERALD_K8S_SERVICE_DNS").isNotBlank();
    String serviceName = dns.split("\\.")[0];
    Service headless = all(Service.class).stream().filter(s -> s.getMetadata().getName().equals(serviceName))
        .findFirst().orElseThrow(() -> new AssertionError("HERALD_K8S_SERVICE_DNS names Service " + serviceName
            + ", which the manifests do not define"));
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).as("publishNotReadyAddresses").isTrue();
    int hazelcast = ShippedConfig.shippedInt("hazelcast_port", -1);
    assertThat(headless.getSpec().getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("hazelcast");
      assertThat(p.getPort()).isEqualTo(hazelcast);
    });
    assertThat(dns).matches(Pattern.quote(serviceName) + "\\.\\$\\(POD_NAMESPACE\\)\\.svc(\\..+)?");
    if (set != null) {
      assertThat(set.getSpec().getServiceName()).as("the StatefulSet's governing Service").isEqualTo(serviceName);
    }
    assertThat(env).containsEntry("HERALD_CLUSTER", "true")
        .containsEntry("HERALD_EVENTBUS_HOST", "$(POD_IP)")
        .containsEntry("HERALD_NODE_ID", "$(POD_NAME)");
    assertThat(brokerContainer().getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("eventbus");
      assertThat(p.getContainerPort()).isEqualTo(Integer.parseInt(env.get("HERALD_EVENTBUS_PORT")));
    });
  }

  private static Map<String, String> env(Container c) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValue());
    }
    return env;
  }

  @Test
  void envVarsAreRealSettingsAndReferToEarlierVariables() throws Exception {
    Set<String> settings = ShippedConfig.settingEnvNames();
    for (Container c : broker().containers()) {
      Set<String> defined = new HashSet<>();
      for (EnvVar e : c.getEnv()) {
        if (e.getName().startsWith("HERALD_")) {
          assertThat(settings).as("%s is a setting (herald.config.Setting)", e.getName()).contains(e.getName());
        }
        if (e.getValue() != null) {
          // Kubernetes expands $(VAR) only for variables defined earlier in the list.
          Matcher ref = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(e.getValue());
          while (ref.find()) {
            assertThat(defined).as("%s refers to $(%s)", e.getName(), ref.group(1)).contains(ref.group(1));
          }
        }
        assertThat(defined.add(e.getName())).as("%s set twice", e.getName()).isTrue();
      }
    }
    Map<String, String> fieldRefs = new java.util.HashMap<>();
    brokerContainer().getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
        .forEach(e -> fieldRefs.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
    assertThat(fieldRefs).containsEntry("POD_IP", "status.podIP").containsEntry("POD_NAME", "metadata.name");
  }

  @Test
  void podsRunAsNonRootOnAReadOnlyFilesystem() throws Exception {
    Workload broker = broker();
    var podSecurity = broker.template().getSpec().getSecurityContext();
    Container c = brokerContainer();
    assertThat(podSecurity.getRunAsNonRoot()).as("runAsNonRoot").isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();
    // The same user as the image's, so files the image ships are readable.
    String imageUser = DockerfileModel.read(Path.of("Dockerfile")).runtime().last("USER").orElseThrow()
        .arguments().trim().split(":")[0];
    assertThat(podSecurity.getRunAsUser()).isEqualTo(Long.parseLong(imageUser));

    Map<String, Volume> volumes = new java.util.HashMap<>();
    broker.template().getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
    Map<String, VolumeMount> mounts = new java.util.HashMap<>();
    c.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
    assertThat(mounts).as("a writable /tmp").containsKey("/tmp");
    assertThat(volumes.get(mounts.get("/tmp").getName()).getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
  }

  @Test
  void theConfigMapIsConfFromTheRepository() throws Exception {
    Container c = brokerContainer();
    Workload broker = broker();
    String workdir = DockerfileModel.read(Path.of("Dockerfile")).runtime().last("WORKDIR").orElseThrow()
        .arguments().trim();
    VolumeMount conf = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(workdir + "/conf"))
        .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + workdir + "/conf"));
    Volume volume = broker.template().getSpec().getVolumes().stream().filter(v -> v.getName().equals(conf.getName()))
        .findFirst().orElseThrow();
    String configMapName = volume.getConfigMap().getName();
    ConfigMap map = all(ConfigMap.class).stream().filter(m -> m.getMetadata().getName().equals(configMapName))
        .findFirst().orElseThrow(() -> new AssertionError("ConfigMap " + configMapName + " is not in the render"));
    assertThat(map.getData()).containsOnlyKeys("config.json", "cluster.xml", "jvm.options");
    for (String file : List.of("config.json", "cluster.xml", "jvm.options")) {
      assertThat(map.getData().get(file)).as(file).isEqualTo(Files.readString(Path.of("conf", file)));
    }
  }

  @Test
  void rollingUpdatesAndDisruptionsTakeOnePodAtATime() throws Exception {
    for (StatefulSet s : all(StatefulSet.class)) {
      var strategy = s.getSpec().getUpdateStrategy();
      assertThat(strategy.getType()).isEqualTo("RollingUpdate");
      if (strategy.getRollingUpdate() != null) {
        assertThat(strategy.getRollingUpdate().getPartition()).as("partition").isIn(null, 0);
        IntOrString max = strategy.getRollingUpdate().getMaxUnavailable();
        assertThat(max == null || Integer.valueOf(1).equals(max.getIntVal())).as("maxUnavailable %s", max).isTrue();
      }
    }
    for (Deployment d : all(Deployment.class)) {
      IntOrString max = d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable();
      assertThat(max.getIntVal()).as("Deployment maxUnavailable").isLessThanOrEqualTo(1);
    }
    List<PodDisruptionBudget> budgets = all(PodDisruptionBudget.class);
    assertThat(budgets).hasSize(1);
    assertThat(budgets.get(0).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
  }

  @Test
  void terminationGraceCoversTheDrain() throws Exception {
    Workload broker = broker();
    long grace = broker.template().getSpec().getTerminationGracePeriodSeconds();
    int preStop = 0;
    var lifecycle = brokerContainer().getLifecycle();
    if (lifecycle != null && lifecycle.getPreStop() != null) {
      var hook = lifecycle.getPreStop();
      if (hook.getSleep() != null) {
        preStop = hook.getSleep().getSeconds().intValue();
      } else if (hook.getExec() != null && hook.getExec().getCommand().size() == 2
          && hook.getExec().getCommand().get(0).equals("sleep")) {
        preStop = Integer.parseInt(hook.getExec().getCommand().get(1));
      }
    }
    Map<String, String> env = env(brokerContainer());
    int drain = Integer.parseInt(env.getOrDefault("HERALD_DRAIN_DELAY_SECONDS",
        "" + ShippedConfig.shippedInt("drain_delay_seconds", 0)));
    int shutdown = Integer.parseInt(env.getOrDefault("HERALD_SHUTDOWN_TIMEOUT_SECONDS",
        "" + ShippedConfig.shippedInt("shutdown_timeout_seconds", -1)));
    int hazelcast = Integer.parseInt(ShippedConfig.hazelcastProperty("hazelcast.graceful.shutdown.max.wait")
        .orElse("600")); // Hazelcast's default
    assertThat(grace).as("terminationGracePeriodSeconds >= preStop %s + drain_delay_seconds %s + "
        + "shutdown_timeout_seconds %s + hazelcast.graceful.shutdown.max.wait %s", preStop, drain, shutdown, hazelcast)
        .isGreaterThanOrEqualTo(preStop + drain + shutdown + hazelcast);
  }

  // ---------------------------------------------------------------------------------------------------
  // Security (issue 10): auth and TLS on, member ports closed to all but brokers

  /** The example user's password, as k8s/kustomization.yaml and the README print it (to be replaced). */
  private static final String EXAMPLE_PASSWORD = "example-password-replace-me";

  /**
   * The lowest bcrypt cost a shipped hash may have: 10, the users-file schema's own example ($2y$10$).
   * htpasswd's default, 5, is 32 times cheaper to guess against from a leaked Secret.
   */
  private static final int MIN_BCRYPT_COST = 10;

  /** Where a file a setting names comes from: a key of a Secret mounted as a volume. */
  record SecretFile(String secretName, String key, Volume volume, VolumeMount mount) {}

  /**
   * The Secret volume and key behind {@code path} in the broker container, or an AssertionError saying why
   * the file would not be there.
   */
  private static SecretFile secretFile(String path) throws Exception {
    Container c = brokerContainer();
    VolumeMount mount = c.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/"))
        .findFirst().orElseThrow(() -> new AssertionError(path + " is under no volume mount"));
    String rest = path.substring(mount.getMountPath().length() + 1);
    Volume volume = broker().template().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("mount " + mount.getName() + " has no volume"));
    assertThat(volume.getSecret()).as("volume %s (for %s) is a Secret", volume.getName(), path).isNotNull();
    assertThat(mount.getSubPath()).as("subPath on %s: kubelet would never update the file", mount.getName())
        .isNull();
    var items = volume.getSecret().getItems();
    String key = items == null || items.isEmpty() ? rest : items.stream().filter(i -> i.getPath().equals(rest))
        .map(i -> i.getKey()).findFirst()
        .orElseThrow(() -> new AssertionError("volume " + volume.getName() + " has no item at " + rest));
    return new SecretFile(volume.getSecret().getSecretName(), key, volume, mount);
  }

  /** Checks every Secret mount the broker needs: read-only, required, not readable by other users. */
  private static void mountedSafely(SecretFile file) throws Exception {
    assertThat(file.mount().getReadOnly()).as("mount %s readOnly", file.mount().getName()).isTrue();
    assertThat(file.volume().getSecret().getOptional()).as("Secret %s optional", file.secretName())
        .isNotEqualTo(Boolean.TRUE);
    Integer mode = file.volume().getSecret().getDefaultMode();
    assertThat(mode).as("defaultMode of Secret volume %s (Kubernetes' default 0644 lets anyone read)",
        file.volume().getName()).isNotNull();
    assertThat(mode & 07).as("defaultMode %s grants other users access", Integer.toOctalString(mode)).isZero();
    if (file.volume().getSecret().getItems() != null) {
      file.volume().getSecret().getItems().stream().filter(i -> i.getMode() != null).forEach(i ->
          assertThat(i.getMode() & 07).as("mode of %s grants other users access", i.getKey()).isZero());
    }
    assertThat(broker().template().getSpec().getSecurityContext().getFsGroup())
        .as("fsGroup, the group that gets the Secret files").isEqualTo(
            broker().template().getSpec().getSecurityContext().getRunAsGroup());
  }

  private static Map<String, String> decodedData(io.fabric8.kubernetes.api.model.Secret secret) {
    Map<String, String> out = new java.util.HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> out.put(k,
          new String(java.util.Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8))); // kustomize wraps lines
    }
    if (secret.getStringData() != null) {
      out.putAll(secret.getStringData());
    }
    return out;
  }

  @Test
  void authIsOnWithTheUsersFileFromASecret() throws Exception {
    Container c = brokerContainer();
    Map<String, String> env = env(c);
    assertThat(c.getEnvFrom()).as("envFrom (could set anything, HERALD_ALLOW_ANONYMOUS too)").isNullOrEmpty();
    assertThat(env).as("protected mode stays on").doesNotContainKey("HERALD_ALLOW_ANONYMOUS");
    assertThat(ShippedConfig.shipped("allow_anonymous")).as("allow_anonymous in conf/config.json")
        .isIn(Optional.empty(), Optional.of(false));
    assertThat(env.get("HERALD_USERS_FILE")).as("HERALD_USERS_FILE").isNotBlank();

    SecretFile users = secretFile(env.get("HERALD_USERS_FILE"));
    mountedSafely(users);
    io.fabric8.kubernetes.api.model.Secret secret = all(io.fabric8.kubernetes.api.model.Secret.class).stream()
        .filter(s -> s.getMetadata().getName().equals(users.secretName())).findFirst()
        .orElseThrow(() -> new AssertionError("Secret " + users.secretName() + " is not in the render"));
    String file = decodedData(secret).get(users.key());
    assertThat(file).as("key %s of Secret %s", users.key(), users.secretName()).isNotNull();
    // The brokers re-read the file every few seconds: a Secret of a fixed name, updated in place, reaches
    // them without a restart (a hashed generated name would roll every pod for each change of users).
    assertThat(Files.readString(Path.of("k8s/kustomization.yaml"))).as("the users Secret's name is the "
        + "generator's, with no hash suffix").contains("- name: " + users.secretName() + "\n");

    // As the broker reads it: a file it refuses would stop every pod at start.
    herald.auth.Users parsed = herald.auth.Users.parse(file, "k8s/ Secret " + users.secretName());
    JsonNode list = STRICT.unmarshal(file, JsonNode.class).path("users");
    assertThat(parsed.size()).as("users in %s", file).isPositive();
    boolean example = false;
    for (JsonNode user : list) {
      String name = user.path("name").asText();
      if (user.has("password")) {
        String hash = user.get("password").asText();
        Matcher bcrypt = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}").matcher(hash);
        assertThat(bcrypt.matches()).as("%s's password is a bcrypt hash, not the password: %s", name, hash).isTrue();
        assertThat(Integer.parseInt(bcrypt.group(1))).as("%s's bcrypt cost", name)
            .isGreaterThanOrEqualTo(MIN_BCRYPT_COST);
        if (org.bouncycastle.crypto.generators.OpenBSDBCrypt.checkPassword(hash, EXAMPLE_PASSWORD.toCharArray())) {
          example = true;
          // A forgotten example must not open every topic.
          var permissions = parsed.get(name).permissions();
          assertThat(permissions.mayPublish("example.news") && permissions.maySubscribe("example.news"))
              .as("the example user may use example.news").isTrue();
          for (String topic : List.of("news", "orders.eu.created")) {
            assertThat(permissions.mayPublish(topic) || permissions.maySubscribe(topic))
                .as("the example user may use %s", topic).isFalse();
          }
        }
      }
    }
    // The example's password is printed where the operator is told to replace it.
    assertThat(example).as("a shipped user has the example password %s", EXAMPLE_PASSWORD).isTrue();
    assertThat(Files.readString(Path.of("k8s/kustomization.yaml"))).contains(EXAMPLE_PASSWORD);
    assertThat(Files.readString(Path.of("README.md"))).contains(EXAMPLE_PASSWORD);
  }

  /**
   * The shipped users Secret and the manifests' settings on a real broker, over TLS: the example user
   * authenticates with the password the README prints, and may use example.* topics only. A test CA stands
   * in for cert-manager's herald-tls (same files: a certificate and a PKCS#8 key in PEM).
   */
  @Test
  void aBrokerWithTheShippedSecretsServesTheExampleUserOverTls(@TempDir Path dir) throws Exception {
    Map<String, String> env = env(brokerContainer());
    SecretFile usersFile = secretFile(env.get("HERALD_USERS_FILE"));
    io.fabric8.kubernetes.api.model.Secret secret = all(io.fabric8.kubernetes.api.model.Secret.class).stream()
        .filter(s -> s.getMetadata().getName().equals(usersFile.secretName())).findFirst().orElseThrow();
    herald.wire.TestPki pki = herald.wire.TestPki.create(dir);
    Map<String, String> files = Map.of(
        "HERALD_USERS_FILE", Files.writeString(dir.resolve("users.json"),
            decodedData(secret).get(usersFile.key())).toString(),
        "HERALD_TLS_CERT", pki.serverCert.toString(),
        "HERALD_TLS_KEY", pki.serverKey.toString());
    // Each variable the manifests set, as its config key (HERALD_USERS_FILE is users_file), on this machine's files.
    io.vertx.core.json.JsonObject overrides = new io.vertx.core.json.JsonObject();
    files.forEach((variable, path) -> {
      assertThat(env).as("the manifests set %s", variable).containsKey(variable);
      overrides.put(variable.substring("HERALD_".length()).toLowerCase(java.util.Locale.ROOT), path);
    });
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (herald.wire.TestBroker broker = herald.wire.TestBroker.start(vertx, overrides);
        herald.wire.WireClient client = herald.wire.WireClient.over(pki.connect(broker.port(), null))) {
      assertThat(client.greeting().getString("auth")).as("greeting %s", client.greeting()).isEqualTo("required");
      client.send("{'action':'auth','user':'example','password':'" + EXAMPLE_PASSWORD + "'}");
      assertThat(client.next().getString("status")).isEqualTo("authenticated");
      client.send("{'action':'publish','topic':'example.news','message':'hello'}");
      assertThat(client.next().getString("status")).isEqualTo("published");
      client.send("{'action':'publish','topic':'news','message':'hello'}");
      client.expectError("forbidden");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void tlsIsOnWithTheSecretTheCertificateWrites() throws Exception {
    Map<String, String> env = env(brokerContainer());
    assertThat(env.get("HERALD_TLS_CERT")).as("HERALD_TLS_CERT").isNotBlank();
    assertThat(env.get("HERALD_TLS_KEY")).as("HERALD_TLS_KEY").isNotBlank();
    SecretFile cert = secretFile(env.get("HERALD_TLS_CERT"));
    SecretFile key = secretFile(env.get("HERALD_TLS_KEY"));
    mountedSafely(cert);
    mountedSafely(key);
    // The keys of a kubernetes.io/tls Secret, as cert-manager and `kubectl create secret tls` write them.
    assertThat(cert.key()).isEqualTo("tls.crt");
    assertThat(key.key()).isEqualTo("tls.key");
    assertThat(key.secretName()).as("certificate and key from one Secret").isEqualTo(cert.secretName());

    List<JsonNode> certManager = documents(kustomize("k8s/cert-manager/")).stream()
        .map(d -> STRICT.unmarshal(STRICT.convertToJson(d), JsonNode.class)).toList();
    assertThat(certManager).allSatisfy(o -> assertThat(o.path("apiVersion").asText()).isEqualTo("cert-manager.io/v1"));
    List<JsonNode> certificates = certManager.stream().filter(o -> o.path("kind").asText().equals("Certificate"))
        .toList();
    JsonNode served = certificates.stream().filter(o -> !o.path("spec").path("isCA").asBoolean())
        .reduce((a, b) -> { throw new AssertionError("more than one server Certificate"); })
        .orElseThrow(() -> new AssertionError("k8s/cert-manager/ has no server Certificate"));
    assertThat(served.path("spec").path("secretName").asText()).as("the Certificate's secretName")
        .isEqualTo(cert.secretName());
    // Clients check the name they connect to: the client Service's must be in the certificate.
    List<String> dnsNames = new ArrayList<>();
    served.path("spec").path("dnsNames").forEach(n -> dnsNames.add(n.asText()));
    String clientService = clientService().getMetadata().getName();
    assertThat(dnsNames).contains(clientService).allSatisfy(n ->
        assertThat(n).as("DNS name").matches(Pattern.quote(clientService) + "(\\..+)?"));

    // Every issuerRef names an Issuer of this directory, and a CA Issuer's key comes from a CA Certificate.
    for (JsonNode c : certificates) {
      JsonNode ref = c.path("spec").path("issuerRef");
      assertThat(ref.path("kind").asText("Issuer")).isEqualTo("Issuer");
      JsonNode issuer = certManager.stream().filter(o -> o.path("kind").asText().equals("Issuer")
          && o.path("metadata").path("name").asText().equals(ref.path("name").asText())).findFirst()
          .orElseThrow(() -> new AssertionError("issuerRef " + ref + " names no Issuer of k8s/cert-manager/"));
      String caSecret = issuer.path("spec").path("ca").path("secretName").asText(null);
      if (caSecret != null) {
        assertThat(certificates).as("a CA Certificate writing %s", caSecret).anySatisfy(ca -> {
          assertThat(ca.path("spec").path("secretName").asText()).isEqualTo(caSecret);
          assertThat(ca.path("spec").path("isCA").asBoolean()).isTrue();
        });
      }
    }
  }

  private static Service clientService() throws Exception {
    int client = ShippedConfig.shippedInt("port", -1);
    List<Service> services = all(Service.class).stream().filter(s -> !"None".equals(s.getSpec().getClusterIP())
        && s.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == client)).toList();
    assertThat(services).as("one client Service on port %s", client).hasSize(1);
    return services.get(0);
  }

  /** Whether a policy port (number or name, with an optional endPort range) covers a container port. */
  private static boolean covers(NetworkPolicyPort rule, ContainerPort port) {
    if (rule.getProtocol() != null && !rule.getProtocol().equals(
        port.getProtocol() == null ? "TCP" : port.getProtocol())) {
      return false;
    }
    IntOrString p = rule.getPort();
    if (p == null) {
      return true; // every port of the protocol
    }
    if (p.getStrVal() != null) {
      return p.getStrVal().equals(port.getName());
    }
    int end = rule.getEndPort() != null ? rule.getEndPort() : p.getIntVal();
    return port.getContainerPort() >= p.getIntVal() && port.getContainerPort() <= end;
  }

  /** The peers the brokers' NetworkPolicies let reach {@code port}; null in the list means anyone. */
  private static List<NetworkPolicyPeer> admittedTo(ContainerPort port) throws Exception {
    List<NetworkPolicyPeer> peers = new ArrayList<>();
    for (NetworkPolicy np : all(NetworkPolicy.class)) {
      if (!matches(np.getSpec().getPodSelector(), broker().podLabels()) || np.getSpec().getIngress() == null) {
        continue;
      }
      for (var rule : np.getSpec().getIngress()) {
        boolean covered = rule.getPorts() == null || rule.getPorts().isEmpty()
            || rule.getPorts().stream().anyMatch(r -> covers(r, port));
        if (covered) {
          if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
            peers.add(null);
          } else {
            peers.addAll(rule.getFrom());
          }
        }
      }
    }
    return peers;
  }

  private static ContainerPort brokerPort(String name) throws Exception {
    return broker().ports().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("the broker has no port named " + name));
  }

  @Test
  void memberPortsAdmitOnlyBrokersAndTheClientPortAdmitsClients() throws Exception {
    // Without a policy that selects the brokers and lists Ingress, every port is open to every pod.
    assertThat(all(NetworkPolicy.class)).as("a NetworkPolicy isolating the brokers' ingress").anySatisfy(np -> {
      assertThat(matches(np.getSpec().getPodSelector(), broker().podLabels())).isTrue();
      assertThat(np.getSpec().getPolicyTypes()).contains("Ingress");
    });
    Map<String, String> podLabels = broker().podLabels();
    for (String member : List.of("hazelcast", "eventbus")) {
      ContainerPort port = brokerPort(member);
      List<NetworkPolicyPeer> peers = admittedTo(port);
      assertThat(peers).as("peers admitted to %s (%s): the brokers must reach each other", member,
          port.getContainerPort()).isNotEmpty();
      for (NetworkPolicyPeer peer : peers) {
        assertThat(peer).as("%s open to anyone", member).isNotNull();
        assertThat(peer.getIpBlock()).as("%s: ipBlock peer", member).isNull();
        // A namespaceSelector would admit pods carrying the labels in other namespaces too.
        assertThat(peer.getNamespaceSelector()).as("%s: namespaceSelector peer", member).isNull();
        assertThat(peer.getPodSelector()).as("%s: peer without podSelector", member).isNotNull();
        assertThat(peer.getPodSelector().getMatchExpressions()).as("%s: peer by expressions", member)
            .isNullOrEmpty();
        assertThat(peer.getPodSelector().getMatchLabels()).as("%s: peer selects the StatefulSet's pod labels",
            member).isEqualTo(podLabels);
      }
    }
    for (String open : List.of("client", "http")) {
      assertThat(admittedTo(brokerPort(open))).as("%s open to every client (and kubelet, Prometheus)", open)
          .containsNull();
    }
  }

  @Test
  void requestsAndLimitsAreSet() throws Exception {
    var resources = brokerContainer().getResources();
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(resources.getLimits()).containsKey("memory");
  }

  @Test
  void theYamlFilesAreAllInTheKustomization() throws IOException {
    // A manifest left out of its directory's kustomization.yaml would never be applied, and never checked
    // here: k8s/ (kubectl apply -k k8s/) and k8s/cert-manager/ (applied on its own, see its kustomization).
    for (Path dir : List.of(Path.of("k8s"), Path.of("k8s/cert-manager"))) {
      String kustomization = Files.readString(dir.resolve("kustomization.yaml"));
      try (Stream<Path> files = Files.list(dir)) {
        files.map(p -> p.getFileName().toString())
            .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
            .forEach(f -> assertThat(kustomization).as("%s/kustomization.yaml lists %s", dir, f).contains("- " + f));
      }
    }
    // cert-manager's kinds stay out of k8s/: without cert-manager installed, `kubectl apply -k k8s/` would fail.
    assertThat(Files.readString(Path.of("k8s/kustomization.yaml"))).as("k8s/kustomization.yaml")
        .doesNotContainPattern("(?m)^\\s*-\\s*(\\./)?cert-manager");
  }
}
