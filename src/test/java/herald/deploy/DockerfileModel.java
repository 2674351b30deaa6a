package herald.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Dockerfile parser for the deployment tests: comments dropped, continuation lines
 * joined, instructions grouped by stage ({@code FROM ... AS name}).
 */
final class DockerfileModel {

  record Instruction(String keyword, String arguments) {}

  record Stage(String image, String name, List<Instruction> instructions) {

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Optional<Instruction> last(String keyword) {
      List<Instruction> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }

    /** ENV in both forms: {@code ENV K=V K2="V 2"} and the legacy {@code ENV K V}. */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");
      for (Instruction i : all("ENV")) {
        String args = i.arguments().trim();
        if (!args.contains("=") || args.indexOf(' ') >= 0 && args.indexOf(' ') < args.indexOf('=')) {
          String[] kv = args.split("\\s+", 2);
          env.put(kv[0], kv.length > 1 ? kv[1] : "");
          continue;
        }
        Matcher m = pair.matcher(args);
        while (m.find()) {
          String v = m.group(2);
          env.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
      }
      return env;
    }
  }

  final List<Stage> stages;

  private DockerfileModel(List<Stage> stages) {
    this.stages = stages;
  }

  static DockerfileModel read(Path file) throws IOException {
    List<String> logical = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(file)) {
      String line = raw.strip();
      if (line.startsWith("#") || line.isEmpty() && current.length() == 0) {
        continue; // comments may sit between continuation lines too
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      logical.add(current.toString().strip());
      current.setLength(0);
    }
    if (current.length() > 0) {
      logical.add(current.toString().strip());
    }
    List<Stage> stages = new ArrayList<>();
    for (String line : logical) {
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split("\\s+", 2);
      String keyword = parts[0].toUpperCase(Locale.ROOT);
      String args = parts.length > 1 ? parts[1] : "";
      if (keyword.equals("FROM")) {
        String[] from = Arrays.stream(args.split("\\s+")).filter(a -> !a.startsWith("--")).toArray(String[]::new);
        String name = from.length >= 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
        stages.add(new Stage(from[0], name, new ArrayList<>()));
      } else if (stages.isEmpty()) {
        if (!keyword.equals("ARG")) {
          throw new IllegalStateException("instruction before FROM: " + line);
        }
      } else {
        stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, args));
      }
    }
    return new DockerfileModel(stages);
  }

  Stage runtime() {
    return stages.get(stages.size() - 1);
  }

  Optional<Stage> stage(String name) {
    return stages.stream().filter(s -> name.equals(s.name())).findFirst();
  }

  /** An exec-form (JSON array) argument list, e.g. ENTRYPOINT ["java", "-jar", "x.jar"]. */
  static List<String> execForm(String arguments) {
    String s = arguments.strip();
    if (!s.startsWith("[") || !s.endsWith("]")) {
      throw new IllegalArgumentException("not exec form: " + arguments);
    }
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(s);
    while (m.find()) {
      out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return out;
  }

  /** The port numbers of every EXPOSE in the stage ("8888", "8888/tcp"). */
  static List<Integer> exposed(Stage stage) {
    List<Integer> ports = new ArrayList<>();
    for (Instruction i : stage.all("EXPOSE")) {
      for (String p : i.arguments().trim().split("\\s+")) {
        ports.add(Integer.parseInt(p.split("/")[0]));
      }
    }
    return ports;
  }
}
