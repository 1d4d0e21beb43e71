package io.gatehouse.transport.auth.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The authorize stage's hand-written tool-name check accepts exactly what the regex it replaced
 * accepted, {@code [A-Za-z0-9_.-]{1,128}} with {@code matches()}: on edge cases and on many
 * generated strings (every allowed character, their neighbours in ASCII, non-ASCII look-alikes,
 * surrogates, lengths around the bound).
 */
class ToolNameCheckTest {
  private static final Pattern REGEX = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private static boolean regex(String name) {
    return name != null && REGEX.matcher(name).matches();
  }

  @Test
  void edgeCases() {
    List<String> cases = new ArrayList<>(List.of("", "a", "echo", "crm.read_x", "-", ".", "_",
        "..", "a b", " a", "a ", "a\n", "\na", "a\u0000", "A-Z", "/", ":", "@", "[", "`", "{", "~",
        "\u0130", "\u0131", "\u212a", "\uff21", "é", "\ud83d\ude00", "\ud800", "a\udc00", "ß",
        "a".repeat(127), "a".repeat(128), "a".repeat(129), "-".repeat(128), "Z".repeat(200),
        "a".repeat(128) + "\n", "tool/../x", "x*", "x?", "x+", "x|y", "(x)", "x$", "^x"));
    for (char c = 0; c < 0x180; c++) {
      cases.add(String.valueOf(c));
      cases.add("a" + c + "b");
    }
    assertThat(AuthorizeStage.isToolName(null)).isFalse();
    for (String name : cases) {
      assertThat(AuthorizeStage.isToolName(name)).as("%s", name).isEqualTo(regex(name));
    }
  }

  @Test
  void generatedStrings() {
    Random random = new Random(18);
    String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
    String near = "@[`{/:,+ *\t\n\u0000\u007f\u0080\u00c0é\u017f\u212a\uff0e\ud800\udfff";
    int accepted = 0;
    for (int i = 0; i < 200_000; i++) {
      int length = switch (random.nextInt(4)) {
        case 0 -> random.nextInt(4);
        case 1 -> 125 + random.nextInt(7); // around the bound
        default -> random.nextInt(40);
      };
      StringBuilder s = new StringBuilder(length);
      boolean mostlyAllowed = random.nextInt(3) > 0;
      for (int k = 0; k < length; k++) {
        s.append(mostlyAllowed && random.nextInt(60) > 0
            ? allowed.charAt(random.nextInt(allowed.length()))
            : near.charAt(random.nextInt(near.length())));
      }
      String name = s.toString();
      boolean expected = regex(name);
      if (AuthorizeStage.isToolName(name) != expected) {
        assertThat(AuthorizeStage.isToolName(name)).as("%s", name).isEqualTo(expected);
      }
      accepted += expected ? 1 : 0;
    }
    // Both sides of the check were exercised, many times.
    assertThat(accepted).isBetween(20_000, 180_000);
  }
}
