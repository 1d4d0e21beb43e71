package io.gatehouse.transport.auth.apikey;

import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API-key file format ({@code {"version": 1, "keys": [...]}}, docs/authentication.md): parse
 * and validate every record, and serialize. Shared by the admin writer ({@link ApiKeyStore}) and
 * the request-path reader ({@link ReloadingApiKeys}).
 */
final class ApiKeyFile {
  private static final int VERSION = 1;
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** The file as stored. */
  record KeyFile(int version, List<ApiKeyRecord> keys) {}

  private ApiKeyFile() {}

  /** The keys in {@code file} by id, oldest first; empty when the file does not exist. */
  static Map<String, ApiKeyRecord> read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    return parse(file, bytes);
  }

  static byte[] serialize(Collection<ApiKeyRecord> keys) {
    return JSON.writeValueAsBytes(new KeyFile(VERSION, new ArrayList<>(keys)));
  }

  private static Map<String, ApiKeyRecord> parse(Path file, byte[] bytes) throws IOException {
    KeyFile parsed;
    try {
      parsed = JSON.readValue(bytes, KeyFile.class);
    } catch (JacksonException e) {
      throw new IOException(file + " is not a valid API-key file: " + e.getOriginalMessage());
    }
    if (parsed == null || parsed.version() != VERSION || parsed.keys() == null) {
      throw new IOException(file + ": expected {\"version\": 1, \"keys\": [...]}");
    }
    Map<String, ApiKeyRecord> byId = new LinkedHashMap<>();
    for (ApiKeyRecord r : parsed.keys()) {
      String problem = problem(r);
      if (problem != null) {
        throw new IOException(file + ": " + problem);
      }
      if (byId.put(r.id(), r) != null) {
        throw new IOException(file + ": key id " + r.id() + " appears twice");
      }
    }
    return byId;
  }

  private static String problem(ApiKeyRecord r) {
    if (r == null || r.id() == null || !ApiKeyFormat.ID.matcher(r.id()).matches()) {
      return "a key has a missing or malformed id (16 lowercase hex characters)";
    }
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      return "key " + r.id() + " has a missing or malformed name";
    }
    if (r.sha256() == null || !SHA256_HEX.matcher(r.sha256()).matches()) {
      return "key " + r.id() + " has a malformed sha256 (64 lowercase hex characters)";
    }
    if (r.created() == null) {
      return "key " + r.id() + " has no created time";
    }
    try {
      validRoles(r.roles());
    } catch (IllegalArgumentException e) {
      return "key " + r.id() + ": " + e.getMessage();
    }
    if (r.spiffeId() != null) {
      return spiffeIdProblem(r.spiffeId()).map(p -> "key " + r.id() + ": " + p).orElse(null);
    }
    return null;
  }

  /** Why {@code spiffeId} cannot name a key's principal, if it cannot (canonical form only). */
  static java.util.Optional<String> spiffeIdProblem(String spiffeId) {
    try {
      if (!SpiffeId.parse(spiffeId).toUri().equals(spiffeId)) {
        return java.util.Optional.of("SPIFFE ID " + spiffeId + " is not in canonical form");
      }
      return java.util.Optional.empty();
    } catch (IdentityFormatException e) {
      return java.util.Optional.of("invalid SPIFFE ID: " + e.getMessage());
    }
  }

  static List<String> validRoles(Collection<String> roles) {
    if (roles == null || roles.isEmpty()) {
      throw new IllegalArgumentException("at least one role is required");
    }
    try {
      return RoleNames.validate(roles);
    } catch (IdentityFormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }
}
