package io.gatehouse.transport.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The transport's package graph, read by the JDK's {@code jdeps} from the compiled classes: the
 * configuration and the authentication packages are in no dependency cycle (each method's config
 * record lives next to its factory; {@code config} only composes them; defaults live in the leaf
 * {@code setting}), and no other package is either ({@code KNOWN} is empty: the auth pipeline
 * installs into {@code server.extension}, the protocol facts the stage hook needs live in {@code
 * http}, context keys and the tool-call observer in their own leaves under {@code mcp}).
 */
class PackageCyclesTest {
  private static final String ROOT = "io.gatehouse.transport.";
  private static final Pattern EDGE =
      Pattern.compile("^\\s+io\\.gatehouse\\.transport\\.(\\S+)\\s+->\\s+io\\.gatehouse\\.transport\\.(\\S+)\\s");

  /** Cycles that exist today: none; a package cycle fails the build. */
  private static final Set<Set<String>> KNOWN = Set.of();

  @Test
  void configAndAuthPackagesAreInNoCycleAndNoNewCycleAppears() {
    Map<String, Set<String>> graph = graph();
    assertThat(graph).containsKeys("config", "auth.jwt", "auth.revocation", "setting");
    List<Set<String>> cycles = cycles(graph);
    for (Set<String> cycle : cycles) {
      assertThat(cycle).as("cycle %s", cycle).doesNotContain("config", "setting", "fetch", "watch");
      assertThat(cycle.stream().filter(p -> p.startsWith("auth") && !p.equals("auth.pipeline")))
          .as("cycle %s", cycle).isEmpty();
    }
    assertThat(new TreeSet<>(cycles.stream().map(Set::toString).toList()))
        .as("package cycles (strongly connected components)")
        .isEqualTo(new TreeSet<>(KNOWN.stream().map(s -> new TreeSet<>(s).toString()).toList()));
    assertThat(graph.getOrDefault("setting", Set.of())).as("setting is a leaf").isEmpty();
  }

  @Test
  void theCheckFindsACycle() {
    Map<String, Set<String>> g = new TreeMap<>();
    g.put("a", Set.of("b"));
    g.put("b", Set.of("c"));
    g.put("c", Set.of("a"));
    g.put("d", Set.of("a"));
    assertThat(cycles(g)).containsExactly(new TreeSet<>(Set.of("a", "b", "c")));
  }

  /** Package → packages it uses, within the transport, from {@code jdeps -verbose:package}. */
  private static Map<String, Set<String>> graph() {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "target/classes");
    assertThat(rc).as(err.toString()).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find()) {
        graph.computeIfAbsent(m.group(1), k -> new TreeSet<>());
        graph.computeIfAbsent(m.group(2), k -> new TreeSet<>());
        if (!m.group(1).equals(m.group(2))) {
          graph.get(m.group(1)).add(m.group(2));
        }
      }
    }
    assertThat(ROOT).isNotEmpty();
    return graph;
  }

  /** Strongly connected components with more than one package (Tarjan). */
  static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> result = new ArrayList<>();
    int[] counter = {0};
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, onStack, result, counter);
      }
    }
    return result;
  }

  private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> result,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, onStack, result, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        result.add(component);
      }
    }
  }
}
