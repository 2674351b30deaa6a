package herald.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/protocol.md is the single source of truth: its error table and ErrorCode must be the same list. */
class ProtocolDocTest {

  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_0-9]+)` \\| (closes)? *\\|", Pattern.MULTILINE);

  @Test
  void errorTableListsExactlyTheCodesTheBrokerSends() throws Exception {
    String doc = Files.readString(Path.of("docs/protocol.md"));
    Matcher m = ROW.matcher(doc.substring(doc.indexOf("| code | closes | when |")));
    Set<String> documented = new java.util.LinkedHashSet<>();
    Set<String> documentedClosing = new java.util.LinkedHashSet<>();
    while (m.find()) {
      documented.add(m.group(1));
      if (m.group(2) != null) {
        documentedClosing.add(m.group(1));
      }
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).toList());
    assertThat(documentedClosing).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(ErrorCode.values()).filter(ErrorCode::closesConnection).map(ErrorCode::wire)
            .collect(Collectors.toList()));
  }
}
