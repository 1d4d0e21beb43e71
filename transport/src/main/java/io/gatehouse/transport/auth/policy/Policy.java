package io.gatehouse.transport.auth.policy;

import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.transport.auth.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * An immutable, validated RBAC policy: a role hierarchy, the tools (by name glob) and HTTP resources
 * each role may use, and optional rate limits. Everything not granted is denied, including tools
 * with no rule and roles the policy does not declare.
 *
 * <p>Decisions are precomputed per role (hierarchy expanded, globs compiled), so {@link #mayCall}
 * costs a few hash lookups and string comparisons per role the caller holds.
 */
public final class Policy {
  /** The resource guarding {@code GET /metrics}. */
  public static final String METRICS = "metrics";

  /** Largest policy file read. */
  static final int MAX_FILE_BYTES = 1 << 20;

  private static final int MAX_RATE = 1_000_000;
  private static final ObjectMapper YAML = configure(YAMLMapper.builder());
  private static final ObjectMapper JSON = configure(JsonMapper.builder());

  private final Map<String, Grant> grants;
  private final Map<String, Integer> roleLimits;
  private final OptionalInt defaultLimit;
  /** {@code rate_limits.tools}: patterns and their limits, in arrays (walked on every call). */
  private final ToolGlob[] toolLimitGlobs;
  private final int[] toolLimitRates;

  private Policy(
      Map<String, Grant> grants,
      Map<String, Integer> roleLimits,
      OptionalInt defaultLimit,
      List<Map.Entry<ToolGlob, OptionalInt>> toolLimits) {
    this.grants = grants;
    this.roleLimits = roleLimits;
    this.defaultLimit = defaultLimit;
    this.toolLimitGlobs = toolLimits.stream().map(Map.Entry::getKey).toArray(ToolGlob[]::new);
    this.toolLimitRates = toolLimits.stream().mapToInt(e -> e.getValue().getAsInt()).toArray();
  }

  /** Reads and validates a policy file: JSON when its name ends in {@code .json}, else YAML. */
  public static Policy load(Path file) throws PolicyException, IOException {
    return parse(file, read(file));
  }

  static byte[] read(Path file) throws IOException, PolicyException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new PolicyException("policy file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    return Files.readAllBytes(file);
  }

  static Policy parse(Path file, byte[] content) throws PolicyException {
    boolean json = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json");
    try {
      return parse(new String(content, StandardCharsets.UTF_8), json);
    } catch (PolicyException e) {
      throw new PolicyException("policy file " + file + ": " + e.getMessage());
    }
  }

  /** Parses and validates a policy given as YAML text. */
  public static Policy fromYaml(String yaml) throws PolicyException {
    return parse(yaml, false);
  }

  /** Parses and validates a policy given as JSON text. */
  public static Policy fromJson(String json) throws PolicyException {
    return parse(json, true);
  }

  private static Policy parse(String text, boolean json) throws PolicyException {
    PolicyDocument doc;
    try {
      doc = (json ? JSON : YAML).readValue(text, PolicyDocument.class);
    } catch (JacksonException e) {
      throw new PolicyException(describe(e));
    }
    if (doc == null || doc.roles() == null || doc.roles().isEmpty()) {
      throw new PolicyException("the policy declares no roles (top-level key 'roles')");
    }
    return build(doc);
  }

  /** True when any role of {@code caller} (or one it includes) is granted {@code tool}. */
  public boolean mayCall(Principal caller, String tool) {
    if (tool == null) {
      return false;
    }
    for (String role : caller.roles()) {
      Grant grant = grants.get(role);
      if (grant != null && grant.allowsTool(tool)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when any role of {@code caller} (or one it includes) is granted MCP prompt {@code name}
   * ({@code prompts} patterns, the tool-name syntax).
   */
  public boolean mayGetPrompt(Principal caller, String name) {
    return name != null && caller.roles().stream()
        .map(grants::get)
        .anyMatch(g -> g != null && Grant.matchesAny(g.prompts, name));
  }

  /**
   * True when any role of {@code caller} (or one it includes) is granted MCP resource {@code uri}
   * ({@code resource_uris} patterns).
   */
  public boolean mayReadResource(Principal caller, String uri) {
    return uri != null && caller.roles().stream()
        .map(grants::get)
        .anyMatch(g -> g != null && Grant.matchesAny(g.resourceUris, uri));
  }

  /** True when any role of {@code caller} (or one it includes) is granted HTTP resource {@code resource}. */
  public boolean mayAccess(Principal caller, String resource) {
    for (String role : caller.roles()) {
      Grant grant = grants.get(role);
      if (grant != null && grant.resources.contains(resource)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Requests per minute allowed to {@code caller}: the most generous {@code rate_limits.roles}
   * entry among the roles it holds directly, else {@code rate_limits.default}, else none (empty).
   */
  public OptionalInt requestsPerMinute(Principal caller) {
    if (roleLimits.isEmpty()) {
      return defaultLimit; // no role has its own limit: nothing to look up per role
    }
    int best = 0;
    for (String role : caller.roles()) {
      Integer limit = roleLimits.get(role);
      if (limit != null && limit > best) {
        best = limit;
      }
    }
    return best > 0 ? OptionalInt.of(best) : defaultLimit;
  }

  /** Calls per minute of {@code tool} allowed to each principal: the strictest matching entry. */
  public OptionalInt toolRequestsPerMinute(String tool) {
    int strictest = 0; // none yet: every limit is at least 1
    for (int i = 0; i < toolLimitGlobs.length; i++) {
      if (toolLimitGlobs[i].matches(tool) && (strictest == 0 || toolLimitRates[i] < strictest)) {
        strictest = toolLimitRates[i];
      }
    }
    return strictest == 0 ? OptionalInt.empty() : OptionalInt.of(strictest);
  }

  /** The roles the policy declares. */
  public Set<String> roles() {
    return grants.keySet();
  }

  private static Policy build(PolicyDocument doc) throws PolicyException {
    Map<String, PolicyDocument.Role> roles = new HashMap<>();
    for (Map.Entry<String, PolicyDocument.Role> e : doc.roles().entrySet()) {
      if (!RoleNames.isValid(e.getKey())) {
        throw new PolicyException(
            "roles: invalid role name '" + ToolGlob.printable(e.getKey()) + "': use lowercase letters,"
                + " digits, '.', '_' or '-', starting with a letter or digit");
      }
      roles.put(e.getKey(), e.getValue() == null ? new PolicyDocument.Role(null, null, null, null, null) : e.getValue());
    }
    for (Map.Entry<String, PolicyDocument.Role> e : roles.entrySet()) {
      for (String included : list(e.getValue().includes())) {
        if (!roles.containsKey(included)) {
          throw new PolicyException(
              "roles." + e.getKey() + ".includes: role '" + ToolGlob.printable(included) + "' is not declared");
        }
      }
    }
    Map<String, Grant> grants = new HashMap<>();
    for (String role : roles.keySet()) {
      List<ToolGlob> globs = new ArrayList<>();
      List<ToolGlob> prompts = new ArrayList<>();
      List<ToolGlob> resourceUris = new ArrayList<>();
      Set<String> resources = new HashSet<>();
      for (String member : closure(role, roles)) {
        PolicyDocument.Role spec = roles.get(member);
        for (String tool : list(spec.tools())) {
          globs.add(ToolGlob.compile(tool, "roles." + member + ".tools"));
        }
        for (String prompt : list(spec.prompts())) {
          prompts.add(ToolGlob.compile(prompt, "roles." + member + ".prompts"));
        }
        for (String uri : list(spec.resourceUris())) {
          resourceUris.add(ToolGlob.compileUri(uri, "roles." + member + ".resource_uris"));
        }
        for (String resource : list(spec.resources())) {
          if (!RoleNames.isValid(resource)) {
            throw new PolicyException(
                "roles." + member + ".resources: bad resource name '" + ToolGlob.printable(resource) + "'");
          }
          resources.add(resource);
        }
      }
      grants.put(role, new Grant(globs, resources, prompts, resourceUris));
    }
    return rateLimits(Map.copyOf(grants), doc.rateLimits());
  }

  private static Policy rateLimits(Map<String, Grant> grants, PolicyDocument.RateLimits limits)
      throws PolicyException {
    if (limits == null) {
      return new Policy(grants, Map.of(), OptionalInt.empty(), List.of());
    }
    Map<String, Integer> roleLimits = new HashMap<>();
    for (Map.Entry<String, Integer> e : map(limits.roles()).entrySet()) {
      if (!grants.containsKey(e.getKey())) {
        throw new PolicyException("rate_limits.roles: role '" + ToolGlob.printable(e.getKey()) + "' is not declared");
      }
      roleLimits.put(e.getKey(), rate(e.getValue(), "rate_limits.roles." + e.getKey()));
    }
    List<Map.Entry<ToolGlob, OptionalInt>> toolLimits = new ArrayList<>();
    for (Map.Entry<String, Integer> e : map(limits.tools()).entrySet()) {
      toolLimits.add(
          Map.entry(
              ToolGlob.compile(e.getKey(), "rate_limits.tools"),
              OptionalInt.of(rate(e.getValue(), "rate_limits.tools." + e.getKey()))));
    }
    OptionalInt defaultLimit =
        limits.defaultPerMinute() == null
            ? OptionalInt.empty()
            : OptionalInt.of(rate(limits.defaultPerMinute(), "rate_limits.default"));
    return new Policy(grants, Map.copyOf(roleLimits), defaultLimit, List.copyOf(toolLimits));
  }

  private static int rate(Integer perMinute, String where) throws PolicyException {
    if (perMinute == null || perMinute < 1 || perMinute > MAX_RATE) {
      throw new PolicyException(where + ": requests per minute must be between 1 and " + MAX_RATE);
    }
    return perMinute;
  }

  /** {@code role} and every role it includes, transitively; refuses a cycle naming it. */
  private static Set<String> closure(String role, Map<String, PolicyDocument.Role> roles) throws PolicyException {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> path = new ArrayDeque<>();
    visit(role, roles, seen, path);
    return seen;
  }

  private static void visit(String role, Map<String, PolicyDocument.Role> roles, Set<String> seen, Deque<String> path)
      throws PolicyException {
    if (path.contains(role)) {
      List<String> cycle = new ArrayList<>(path);
      cycle = cycle.subList(cycle.indexOf(role), cycle.size());
      throw new PolicyException("roles: the hierarchy has a cycle: " + String.join(" -> ", cycle) + " -> " + role);
    }
    if (!seen.add(role)) {
      return;
    }
    path.addLast(role);
    for (String included : list(roles.get(role).includes())) {
      visit(included, roles, seen, path);
    }
    path.removeLast();
  }

  private static <T> List<T> list(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static <K, V> Map<K, V> map(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }

  private static ObjectMapper configure(tools.jackson.databind.cfg.MapperBuilder<?, ?> builder) {
    return builder
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /** One line: where (line, key path) and what, without Jackson's class names. */
  private static String describe(JacksonException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String what;
    if (e instanceof UnrecognizedPropertyException) {
      what = "unknown key '" + ToolGlob.printable(((UnrecognizedPropertyException) e).getPropertyName()) + "'";
    } else if (e instanceof MismatchedInputException && ((MismatchedInputException) e).getTargetType() != null) {
      what = "expected " + kind(((MismatchedInputException) e).getTargetType());
    } else {
      what = firstLine(e.getOriginalMessage());
    }
    String line = e.getLocation() != null && e.getLocation().getLineNr() > 0 ? "line " + e.getLocation().getLineNr() : "";
    String where = line + (path.length() > 0 ? (line.isEmpty() ? "" : ", ") + "at " + path : "");
    return (where.isEmpty() ? "" : where + ": ") + what;
  }

  private static String kind(Class<?> type) {
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Number.class.isAssignableFrom(type)) {
      return "a whole number";
    }
    return type == String.class ? "a string" : "a mapping of keys to values";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed policy";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    // Jackson names Java types in backquotes; the operator wrote YAML, not Java.
    return line.replaceAll("\\(class [^)]*\\)", "").replaceAll("`[^`]*`", "value").trim();
  }

  /** What one role may use, with its whole hierarchy folded in and patterns sorted by kind. */
  private static final class Grant {
    final boolean allTools;
    final Set<String> exactTools = new HashSet<>();
    final String[] prefixes;
    final ToolGlob[] globs;
    final Set<String> resources;
    final ToolGlob[] prompts;
    final ToolGlob[] resourceUris;

    Grant(List<ToolGlob> patterns, Set<String> resources, List<ToolGlob> prompts,
        List<ToolGlob> resourceUris) {
      this.prompts = prompts.toArray(new ToolGlob[0]);
      this.resourceUris = resourceUris.toArray(new ToolGlob[0]);
      List<String> prefixList = new ArrayList<>();
      List<ToolGlob> globList = new ArrayList<>();
      boolean all = false;
      for (ToolGlob g : patterns) {
        if (g.isMatchAll()) {
          all = true;
        } else if (g.isExact()) {
          exactTools.add(g.pattern);
        } else if (g.prefixOnly() != null) {
          prefixList.add(g.prefixOnly());
        } else {
          globList.add(g);
        }
      }
      this.allTools = all;
      this.prefixes = prefixList.toArray(new String[0]);
      this.globs = globList.toArray(new ToolGlob[0]);
      this.resources = Set.copyOf(resources);
    }

    static boolean matchesAny(ToolGlob[] patterns, String name) {
      for (ToolGlob glob : patterns) {
        if (glob.matches(name)) {
          return true;
        }
      }
      return false;
    }

    boolean allowsTool(String tool) {
      if (allTools || exactTools.contains(tool)) {
        return true;
      }
      for (String prefix : prefixes) {
        if (tool.startsWith(prefix)) {
          return true;
        }
      }
      for (ToolGlob glob : globs) {
        if (glob.matches(tool)) {
          return true;
        }
      }
      return false;
    }
  }
}
