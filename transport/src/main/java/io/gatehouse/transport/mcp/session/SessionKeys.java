package io.gatehouse.transport.mcp.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys that seal MCP session ids, each named by a key id: the first seals, all open
 * (rotation: add the new key second on every node, then move it first, then drop the old one once
 * its sessions have aged out). Written {@code id:base64key}, one per line in a file (mode 0600) or
 * comma-separated in {@link #ENV_KEYS}.
 */
public final class SessionKeys {
  /** Keys as text: {@code id:base64,id2:base64}. */
  public static final String ENV_KEYS = "GATEHOUSE_SESSION_KEYS";
  /** A file of keys, one {@code id:base64} per line ({@code #} comments), mode 0600. */
  public static final String ENV_KEYS_FILE = "GATEHOUSE_SESSION_KEYS_FILE";
  /** AES-256. */
  static final int KEY_BYTES = 32;
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

  private final String sealingKeyId;
  private final Map<String, SecretKey> keys;
  private final boolean generated;

  private SessionKeys(Map<String, SecretKey> keys, boolean generated) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("session keys: none given");
    }
    this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    this.sealingKeyId = keys.keySet().iterator().next();
    this.generated = generated;
  }

  /** A random key for this process only: sessions survive on this node alone. */
  public static SessionKeys random() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return new SessionKeys(Map.of("local", new SecretKeySpec(key, "AES")), true);
  }

  /**
   * Parses {@code id:base64} entries separated by commas or new lines; the first seals.
   *
   * @throws IllegalArgumentException naming the bad entry's position (never its key)
   */
  public static SessionKeys parse(String text) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    int n = 0;
    for (String line : text.split("[,\\n]")) {
      String entry = line.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      n++;
      int colon = entry.indexOf(':');
      String id = colon < 0 ? "" : entry.substring(0, colon);
      if (!KEY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("session keys: entry " + n
            + " must be <key id>:<base64 key>, the key id 1-32 of [A-Za-z0-9_-]");
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("session keys: key '" + id + "' is not base64");
      }
      if (key.length != KEY_BYTES) {
        throw new IllegalArgumentException("session keys: key '" + id + "' must be "
            + KEY_BYTES + " random bytes (openssl rand -base64 32), got " + key.length);
      }
      if (keys.put(id, new SecretKeySpec(key, "AES")) != null) {
        throw new IllegalArgumentException("session keys: key id '" + id + "' appears twice");
      }
    }
    return new SessionKeys(keys, false);
  }

  /** Reads {@code file}, refusing one that group or others may read or write. */
  public static SessionKeys load(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      for (PosixFilePermission p : perms) {
        if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
          throw new IllegalArgumentException("session key file " + file
              + " must be mode 0600 (chmod 600 " + file + ")");
        }
      }
    } catch (UnsupportedOperationException noPosix) {
      // Not a POSIX file system: nothing to check.
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read session key file " + file + ": "
          + e.getMessage(), e);
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read session key file " + file + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The keys named by {@link #ENV_KEYS} or {@link #ENV_KEYS_FILE} in {@code env} (not both), or a
   * {@link #random()} key without either.
   */
  public static SessionKeys fromEnvironment(Map<String, String> env) {
    String text = env.get(ENV_KEYS);
    String file = env.get(ENV_KEYS_FILE);
    boolean hasText = text != null && !text.isBlank();
    boolean hasFile = file != null && !file.isBlank();
    if (hasText && hasFile) {
      throw new IllegalArgumentException("set " + ENV_KEYS + " or " + ENV_KEYS_FILE + ", not both");
    }
    if (hasText) {
      return parse(text);
    }
    return hasFile ? load(Path.of(file.strip())) : random();
  }

  /** True for a {@link #random()} per-process key. */
  public boolean generated() {
    return generated;
  }

  String sealingKeyId() {
    return sealingKeyId;
  }

  SecretKey sealingKey() {
    return keys.get(sealingKeyId);
  }

  /** The key named {@code id}, or null. */
  SecretKey key(String id) {
    return keys.get(id);
  }
}
