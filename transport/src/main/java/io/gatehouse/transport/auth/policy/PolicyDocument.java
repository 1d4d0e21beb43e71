package io.gatehouse.transport.auth.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** The policy file as written, before validation; see docs/authorization.md for the format. */
record PolicyDocument(Map<String, Role> roles, @JsonProperty("rate_limits") RateLimits rateLimits) {
  /**
   * One role: the roles it includes and what it may use directly. {@code prompts} and {@code
   * resource_uris} are MCP prompts and resources (2026-07-28 path); {@code resources} are HTTP
   * resources such as {@code metrics}.
   */
  record Role(List<String> includes, List<String> tools, List<String> resources,
      List<String> prompts, @JsonProperty("resource_uris") List<String> resourceUris) {}

  /** Requests per minute: a per-principal default, per role, and per principal per tool. */
  record RateLimits(
      @JsonProperty("default") Integer defaultPerMinute, Map<String, Integer> roles, Map<String, Integer> tools) {}
}
