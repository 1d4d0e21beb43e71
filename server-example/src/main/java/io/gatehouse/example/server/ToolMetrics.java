package io.gatehouse.example.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.List;

/**
 * Times every tool call: {@code gatehouse_tool_calls_seconds{tool, outcome}} with a latency
 * histogram. Outcome: {@code success}, {@code error} (the tool answered {@code isError}, e.g. a
 * bad argument) or {@code exception} (the handler threw). Calls refused by the policy never reach
 * a tool; the authorization stage counts those.
 */
final class ToolMetrics {
  static final String TIMER = "gatehouse.tool.calls";

  private ToolMetrics() {}

  static List<SyncToolSpecification> instrument(
      List<SyncToolSpecification> tools, MeterRegistry registry) {
    return tools.stream().map(spec -> instrument(spec, registry)).toList();
  }

  private static SyncToolSpecification instrument(SyncToolSpecification spec, MeterRegistry registry) {
    String tool = spec.tool().name();
    Timer success = timer(registry, tool, "success");
    Timer error = timer(registry, tool, "error");
    Timer exception = timer(registry, tool, "exception");
    return new SyncToolSpecification(spec.tool(), (exchange, request) -> {
      long start = System.nanoTime();
      Timer outcome = exception;
      try {
        CallToolResult result = spec.callHandler().apply(exchange, request);
        outcome = Boolean.TRUE.equals(result.isError()) ? error : success;
        return result;
      } finally {
        outcome.record(Duration.ofNanos(System.nanoTime() - start));
      }
    });
  }

  private static Timer timer(MeterRegistry registry, String tool, String outcome) {
    return Timer.builder(TIMER)
        .description("Tool calls that reached a tool, by tool and outcome")
        .tags("tool", tool, "outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }
}
