package io.gatehouse.example.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.EnvironmentOverrides;
import io.gatehouse.transport.config.GatehouseConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * docs/configuration.md is checked against the one model: every key is documented with its
 * variable and its effective default, and every documented key exists.
 */
class ConfigurationReferenceTest {
  private static final Pattern ROW =
      Pattern.compile("(?m)^\\| `((?:server|auth|metrics)\\.[^`]+)` \\| ([^|]+) \\| `([A-Z_]+)` \\|");

  private static Map<String, String[]> documented() throws Exception {
    Matcher m = ROW.matcher(Files.readString(Path.of("../docs/configuration.md")));
    Map<String, String[]> rows = new LinkedHashMap<>();
    while (m.find()) {
      assertThat(rows.put(m.group(1), new String[] {m.group(2).strip(), m.group(3)}))
          .as("documented twice: " + m.group(1)).isNull();
    }
    return rows;
  }

  /** {@code `[a, b]`} → {@code a,b}; {@code unset} → empty, as the variables show defaults. */
  private static String normalize(String cell) {
    if (cell.equals("unset")) {
      return "";
    }
    String value = cell.replaceAll("^`|`$", "");
    if (value.startsWith("[") && value.endsWith("]")) {
      String inner = value.substring(1, value.length() - 1).strip();
      return inner.isEmpty() ? "" : String.join(",", Arrays.stream(inner.split(", ")).toList());
    }
    return value;
  }

  @Test
  void everyKeyIsDocumentedWithItsVariableAndItsDefault() throws Exception {
    Map<String, String[]> rows = documented();
    List<String> problems = new ArrayList<>();
    for (EnvironmentOverrides.Variable v : ServerConfig.environment().variables()) {
      String[] row = rows.remove(v.path());
      if (row == null) {
        problems.add(v.path() + " is not documented");
      } else if (!row[1].equals(v.variable())) {
        problems.add(v.path() + ": variable " + row[1] + ", not " + v.variable());
      } else if (!normalize(row[0]).equals(v.defaultValue())) {
        problems.add(v.path() + ": documented default " + row[0] + ", but it is '"
            + v.defaultValue() + "'");
      }
    }
    rows.keySet().forEach(key -> problems.add(key + " is documented but is no key of the model"));
    assertThat(problems).isEmpty();
  }

  @Test
  void theApplicationsDefaultsNeverRepeatAModelDefault() {
    JsonNode own = YAMLMapper.builder().build().readTree(ServerConfig.applicationDefaults());
    JsonNode model = GatehouseConfigLoader.withModelDefaults().defaultsTree();
    List<String> repeated = new ArrayList<>();
    compare(own, model, "", repeated);
    assertThat(repeated).isEmpty();
  }

  private static void compare(JsonNode own, JsonNode model, String path, List<String> repeated) {
    if (own.isObject()) {
      own.properties().forEach(e -> compare(e.getValue(), model.path(e.getKey()),
          path.isEmpty() ? e.getKey() : path + "." + e.getKey(), repeated));
    } else if (own.equals(model) || own.asString().equals(model.asString())) {
      repeated.add(path);
    }
  }
}
