package herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The client ships alone (README, "Java client"): io.herald:herald-client holds the client and the one broker
 * class it needs, and depends on vertx-core only, so an application that uses it does not get Hazelcast and
 * the rest of the broker. Reads the jar the client module built (it comes before the broker in the reactor)
 * and the module's pom.
 */
class ClientArtifactTest {

  private static final Path CLIENT_TARGET = Path.of("client/target");
  /** The herald.client package, and herald.codec.ErrorCode with its nested classes (ErrorCode$1, a switch map). */
  private static final String ALLOWED = "herald/client/.+|herald/codec/ErrorCode(\\$[^/]+)?\\.class";

  @Test
  void the_client_jar_holds_only_the_client_and_its_error_codes() throws IOException {
    List<String> entries = new ArrayList<>();
    try (JarFile jar = new JarFile(clientJar().toFile())) {
      jar.stream().map(ZipEntry::getName).forEach(entries::add);
    }
    assertOnlyClient(entries, clientJar().toString());
  }

  /**
   * The same for client/target/classes, which any phase from compile on has fresh: the jar is only rebuilt
   * by package, so under {@code mvn test} it may be an earlier build's.
   */
  @Test
  void the_client_module_compiles_only_the_client_and_its_error_codes() throws IOException {
    Path classes = CLIENT_TARGET.resolve("classes");
    try (Stream<Path> files = Files.walk(classes)) {
      assertOnlyClient(files.filter(Files::isRegularFile)
          .map(f -> classes.relativize(f).toString().replace('\\', '/')).toList(), classes.toString());
    }
  }

  private static void assertOnlyClient(List<String> entries, String where) {
    assertThat(entries.stream().filter(name -> !name.endsWith("/") && !name.startsWith("META-INF/")))
        .as("classes and resources of %s", where)
        .contains("herald/client/HeraldClient.class", "herald/client/BlockingHerald.class",
            "herald/codec/ErrorCode.class")
        .allSatisfy(name -> assertThat(name).as("in the client jar").matches(ALLOWED));
  }

  @Test
  void the_client_module_depends_on_vertx_core_only() throws Exception {
    assertThat(dependencies(Path.of("client/pom.xml"))).containsExactly("io.vertx:vertx-core");
    // The parent's own dependencies would be inherited by the client: it has none, only managed versions.
    assertThat(dependencies(Path.of("pom.xml"))).as("dependencies every module inherits from the root pom").isEmpty();
  }

  private static Path clientJar() throws IOException {
    assertThat(CLIENT_TARGET).as("built by the reactor before the broker's tests (mvn from the root)").isDirectory();
    List<Path> jars = new ArrayList<>();
    try (DirectoryStream<Path> found = Files.newDirectoryStream(CLIENT_TARGET, "herald-client-*.jar")) {
      found.forEach(jars::add);
    }
    assertThat(jars).as("the client's jar in %s", CLIENT_TARGET).hasSize(1);
    return jars.get(0);
  }

  /** groupId:artifactId of the project's own dependencies (not those under dependencyManagement). */
  private static List<String> dependencies(Path pom) throws Exception {
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    List<String> found = new ArrayList<>();
    for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals("dependencies")) {
        NodeList deps = e.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
          Element dep = (Element) deps.item(i);
          found.add(text(dep, "groupId") + ":" + text(dep, "artifactId"));
        }
      }
    }
    return found;
  }

  private static String text(Element parent, String tag) {
    return parent.getElementsByTagName(tag).item(0).getTextContent().trim();
  }
}
