package io.gatehouse.transport.conformance;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema.CallToolOutcome;
import io.modelcontextprotocol.modern.McpSchema.CallToolResult;
import io.modelcontextprotocol.modern.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.modern.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.modern.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.modern.McpSchema.GetPromptResult;
import io.modelcontextprotocol.modern.McpSchema.InputRequiredResult;
import io.modelcontextprotocol.modern.McpSchema.Prompt;
import io.modelcontextprotocol.modern.McpSchema.Tool;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import java.util.List;
import java.util.Map;

/**
 * The SEP-2322 (multi round-trip requests) tools and prompt of the 0.2.0 everything-server of
 * {@code @modelcontextprotocol/conformance}: each answers an {@code InputRequiredResult} until the
 * client retries with the named {@code inputResponses}. The {@code requestState} they set is sealed
 * and opened by the transport's codec (the handler sees plain text), so a tampered state never
 * reaches them.
 */
final class InputRequiredTools {
  private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();
  private static final Map<String, Object> NO_ARGUMENTS =
      Map.of("type", "object", "properties", Map.of());

  private InputRequiredTools() {}

  static List<McpSyncTool> tools() {
    return List.of(
        tool("test_input_required_result_elicitation", (inputs, state, caps) ->
            response(inputs, "user_name") instanceof Map<?, ?> answer
                ? text("Hello, " + content(answer, "name") + "!")
                : InputRequiredResult.builder()
                    .elicit("user_name", form("What is your name?", "name", "string")).build()),
        tool("test_input_required_result_sampling", (inputs, state, caps) ->
            response(inputs, "capital_question") instanceof Map<?, ?> answer
                ? text("Sampling response: " + answer.get("content"))
                : InputRequiredResult.builder()
                    .createMessage("capital_question", sampling("What is the capital of France?", 100))
                    .build()),
        tool("test_input_required_result_list_roots", (inputs, state, caps) ->
            response(inputs, "client_roots") instanceof Map<?, ?> answer
                ? text("Client roots: " + answer.get("roots"))
                : InputRequiredResult.builder().listRoots("client_roots").build()),
        tool("test_input_required_result_request_state", (inputs, state, caps) ->
            response(inputs, "confirm") instanceof Map<?, ?> && "request-state-round-1".equals(state)
                ? text("state-ok: the request state came back intact")
                : InputRequiredResult.builder()
                    .elicit("confirm", form("Please confirm", "ok", "boolean"))
                    .requestState("request-state-round-1").build()),
        tool("test_input_required_result_multiple_inputs", (inputs, state, caps) ->
            response(inputs, "user_name") instanceof Map<?, ?>
                    && response(inputs, "greeting") instanceof Map<?, ?>
                    && response(inputs, "client_roots") instanceof Map<?, ?>
                    && "multiple-inputs".equals(state)
                ? text("Received all three inputs")
                : InputRequiredResult.builder()
                    .elicit("user_name", form("What is your name?", "name", "string"))
                    .createMessage("greeting", sampling("Generate a greeting", 50))
                    .listRoots("client_roots")
                    .requestState("multiple-inputs").build()),
        tool("test_input_required_result_multi_round", (inputs, state, caps) -> {
          if ("multi-round-2".equals(state) && response(inputs, "step2") instanceof Map<?, ?> color) {
            return text("Completed after two rounds; color: " + content(color, "color"));
          }
          if ("multi-round-1".equals(state) && response(inputs, "step1") instanceof Map<?, ?>) {
            return InputRequiredResult.builder()
                .elicit("step2", form("Step 2: What is your favorite color?", "color", "string"))
                .requestState("multi-round-2").build();
          }
          return InputRequiredResult.builder()
              .elicit("step1", form("Step 1: What is your name?", "name", "string"))
              .requestState("multi-round-1").build();
        }),
        tool("test_input_required_result_tampered_state", (inputs, state, caps) ->
            response(inputs, "confirm") instanceof Map<?, ?> && "tamper-check".equals(state)
                ? text("state verified")
                : InputRequiredResult.builder()
                    .elicit("confirm", form("Please confirm", "ok", "boolean"))
                    .requestState("tamper-check").build()),
        tool("test_input_required_result_capabilities", (inputs, state, caps) -> {
          if (inputs != null && !inputs.isEmpty()) {
            return text("Received inputs: " + String.join(", ", inputs.keySet()));
          }
          var result = InputRequiredResult.builder();
          boolean any = false;
          if (caps != null && caps.supportsElicitationForm()) {
            result.elicit("user_name", form("What is your name?", "name", "string"));
            any = true;
          }
          if (caps != null && caps.supportsSampling()) {
            result.createMessage("greeting", sampling("Generate a greeting", 50));
            any = true;
          }
          if (caps != null && caps.supportsRoots()) {
            result.listRoots("client_roots");
            any = true;
          }
          return any ? result.build() : text("The client declared no capability to ask with");
        }));
  }

  /** {@code test_input_required_result_prompt}: asks for context before rendering the prompt. */
  static McpSyncPrompt prompt() {
    return McpSyncPrompt.of(
        Prompt.builder("test_input_required_result_prompt")
            .description("A prompt that asks the client for context first (SEP-2322)").build(),
        (context, request) -> McpSyncResponse.result(
            response(request.inputResponses(), "user_context") instanceof Map<?, ?> answer
                ? JSON.convertValue(Map.of("messages", List.of(Map.of("role", "user", "content",
                    Map.of("type", "text", "text", "Prompt with context: " + content(answer, "context"))))),
                    GetPromptResult.class)
                : InputRequiredResult.builder().elicit("user_context",
                    form("What context should the prompt use?", "context", "string")).build()));
  }

  @FunctionalInterface
  private interface Rounds {
    CallToolOutcome next(Map<String, Object> inputs, String state, ClientCapabilities caps);
  }

  private static McpSyncTool tool(String name, Rounds rounds) {
    return McpSyncTool.of(Tool.builder(name, NO_ARGUMENTS).description("SEP-2322: " + name).build(),
        (context, request) -> McpSyncResponse.result(rounds.next(
            request.inputResponses(), request.requestState(), context.clientCapabilities())));
  }

  /** The response under {@code key}; anything but an object counts as not given (asked again). */
  private static Object response(Map<String, Object> inputs, String key) {
    return inputs == null ? null : inputs.get(key);
  }

  private static Object content(Map<?, ?> elicitResult, String field) {
    return elicitResult.get("content") instanceof Map<?, ?> content ? content.get(field) : null;
  }

  private static ElicitFormRequest form(String message, String property, String type) {
    return ElicitFormRequest.builder(message, Map.of("type", "object",
        "properties", Map.of(property, Map.of("type", type)), "required", List.of(property))).build();
  }

  private static CreateMessageRequest sampling(String question, int maxTokens) {
    return JSON.convertValue(Map.of("messages", List.of(Map.of("role", "user",
        "content", Map.of("type", "text", "text", question))), "maxTokens", maxTokens),
        CreateMessageRequest.class);
  }

  private static CallToolResult text(String text) {
    return JSON.convertValue(Map.of("content", List.of(Map.of("type", "text", "text", text))),
        CallToolResult.class);
  }
}
