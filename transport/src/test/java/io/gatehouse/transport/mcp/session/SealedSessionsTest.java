package io.gatehouse.transport.mcp.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.testing.MutableClock;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed session ids: what they carry comes back only under a known key, untampered, within the
 * maximum age, for the owner, and not after this node closed them; key files and key text are
 * validated without echoing a key.
 */
class SealedSessionsTest {
  static final String ALICE = "certificate:spiffe://gatehouse.local/client/alice";
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));

  static String key() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  SealedSessions sessions(SessionKeys keys) {
    return new SealedSessions(keys, McpJsonDefaults.getMapper(), clock, Duration.ofHours(24));
  }

  SessionState state(SealedSessions s) {
    return s.newState(ALICE, "2025-06-18",
        McpSchema.ClientCapabilities.builder().roots(true).elicitation().build(),
        new McpSchema.Implementation("client", "Client", "1.2"));
  }

  @Test
  void theSealedStateComesBackForItsOwner() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    SessionState state = state(s);
    String id = s.seal(state);
    assertThat(id).startsWith("k1.").matches("[A-Za-z0-9_.-]+").doesNotContain("alice");
    assertThat(s.open(id, ALICE)).contains(state);
    assertThat(state.initializeRequest().capabilities().roots().listChanged()).isTrue();
    assertThat(state.initializeRequest().clientInfo().version()).isEqualTo("1.2");
    assertThat(s.seal(state)).as("a fresh nonce each time").isNotEqualTo(id);
  }

  @Test
  void anotherOwnerGetsNothing() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    String id = s.seal(state(s));
    assertThat(s.open(id, "certificate:spiffe://gatehouse.local/client/bob")).isEmpty();
    assertThat(s.open(id, "jwt:spiffe://gatehouse.local/client/alice")).isEmpty();
  }

  @Test
  void everyTamperedCharacterIsRefused() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    String id = s.seal(state(s));
    for (int i = 3; i < id.length(); i++) {
      char c = id.charAt(i);
      String tampered = id.substring(0, i) + (c == 'A' ? 'B' : 'A') + id.substring(i + 1);
      assertThat(s.open(tampered, ALICE)).as("position %d", i).isEmpty();
    }
    assertThat(s.open(id.substring(0, id.length() - 1), ALICE)).isEmpty();
    assertThat(s.open(id + "A", ALICE)).isEmpty();
    assertThat(s.open("k1.", ALICE)).isEmpty();
    assertThat(s.open("k1.!!!", ALICE)).isEmpty();
    assertThat(s.open("3f2b1c1e-uuid", ALICE)).isEmpty();
    assertThat(s.open("k1." + "A".repeat(SealedSessions.MAX_ID_CHARS), ALICE)).isEmpty();
  }

  @Test
  void anUnknownKeyIsRefusedAndRotationOpensWithTheOldKey() {
    String old = key();
    String fresh = key();
    SealedSessions before = sessions(SessionKeys.parse("old:" + old));
    String oldId = before.seal(state(before));
    assertThat(sessions(SessionKeys.parse("other:" + key())).open(oldId, ALICE)).isEmpty();
    // Same bytes under another key id: the id is bound to its key id (associated data).
    assertThat(sessions(SessionKeys.parse("other:" + old))
        .open("other" + oldId.substring(3), ALICE)).isEmpty();

    SealedSessions during = sessions(SessionKeys.parse("new:" + fresh + ",old:" + old));
    assertThat(during.open(oldId, ALICE)).isPresent();
    String newId = during.seal(state(during));
    assertThat(newId).startsWith("new.");
    assertThat(before.open(newId, ALICE)).isEmpty();
    SealedSessions after = sessions(SessionKeys.parse("new:" + fresh));
    assertThat(after.open(newId, ALICE)).isPresent();
    assertThat(after.open(oldId, ALICE)).isEmpty();
  }

  @Test
  void anIdPastTheMaximumAgeIsRefused() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    String id = s.seal(state(s));
    clock.advance(Duration.ofHours(24));
    assertThat(s.open(id, ALICE)).isPresent();
    clock.advance(Duration.ofSeconds(2));
    assertThat(s.open(id, ALICE)).isEmpty();
    // Issued in the future (a node whose clock runs ahead) is refused too.
    SealedSessions ahead = sessions(s.keys());
    String future = ahead.seal(state(ahead));
    clock.advance(Duration.ofMinutes(-5));
    assertThat(s.open(future, ALICE)).isEmpty();
  }

  @Test
  void anIdClosedOnThisNodeIsNotReopenedHereButOnAnother() {
    SessionKeys keys = SessionKeys.parse("k1:" + key());
    SealedSessions here = sessions(keys);
    SealedSessions there = sessions(keys);
    String id = here.seal(state(here));
    here.closed(id);
    assertThat(here.open(id, ALICE)).isEmpty();
    assertThat(there.open(id, ALICE)).isPresent();
  }

  @Test
  void onlyOneSpellingOfAnIdOpensSoAClosedIdStaysClosed() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    // A body whose length leaves unused bits in its last character: the case with other spellings.
    String id = null;
    for (int n = 1; id == null && n < 8; n++) {
      String candidate = s.seal(s.newState(ALICE, "2025-06-18",
          McpSchema.ClientCapabilities.builder().build(),
          new McpSchema.Implementation("client", "1".repeat(n))));
      id = (candidate.length() - 3) % 4 == 0 ? null : candidate;
    }
    assertThat(id).as("a body length with unused bits").isNotNull();
    String stem = id.substring(0, id.length() - 1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    java.util.List<String> opening = new java.util.ArrayList<>();
    for (char c : alphabet.toCharArray()) {
      if (s.open(stem + c, ALICE).isPresent()) {
        opening.add(stem + c);
      }
    }
    assertThat(opening).containsExactly(id);
    s.closed(id);
    for (char c : alphabet.toCharArray()) {
      assertThat(s.open(stem + c, ALICE)).as("closed, spelled with %s", c).isEmpty();
    }
  }

  @Test
  void capabilitiesTooLargeForAnIdAreRefusedAtSealing() {
    SealedSessions s = sessions(SessionKeys.parse("k1:" + key()));
    SessionState huge = s.newState(ALICE, "2025-06-18", McpSchema.ClientCapabilities.builder()
        .experimental(Map.of("blob", "x".repeat(SealedSessions.MAX_ID_CHARS))).build(),
        new McpSchema.Implementation("client", "1"));
    assertThatThrownBy(() -> s.seal(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void keyTextIsValidatedWithoutEchoingTheKey() {
    String secret = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> SessionKeys.parse("k1:" + secret))
        .hasMessageContaining("32 random bytes").hasMessageNotContaining(secret);
    assertThatThrownBy(() -> SessionKeys.parse("k1:not base64!"))
        .hasMessageContaining("not base64").hasMessageNotContaining("not base64!");
    assertThatThrownBy(() -> SessionKeys.parse(key())).hasMessageContaining("<key id>:");
    assertThatThrownBy(() -> SessionKeys.parse("bad id:" + key())).hasMessageContaining("key id");
    String k = key();
    assertThatThrownBy(() -> SessionKeys.parse("a:" + k + ",a:" + key()))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> SessionKeys.parse(" ,# nothing")).hasMessageContaining("none");
    assertThatThrownBy(() -> SessionKeys.fromEnvironment(Map.of(
        SessionKeys.ENV_KEYS, "a:" + k, SessionKeys.ENV_KEYS_FILE, "/x")))
        .hasMessageContaining("not both");
    assertThat(SessionKeys.fromEnvironment(Map.of()).generated()).isTrue();
    assertThat(SessionKeys.fromEnvironment(Map.of(SessionKeys.ENV_KEYS, "a:" + k)).generated())
        .isFalse();
  }

  @Test
  void aKeyFileMustBeMode0600(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("session-keys"),
        "# rotated 2026-12-01\nnew:" + key() + "\nold:" + key() + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> SessionKeys.load(file)).hasMessageContaining("0600");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    SessionKeys keys = SessionKeys.fromEnvironment(Map.of(SessionKeys.ENV_KEYS_FILE, file.toString()));
    assertThat(keys.sealingKeyId()).isEqualTo("new");
    assertThat(keys.key("old")).isNotNull();
    assertThatThrownBy(() -> SessionKeys.load(dir.resolve("missing")))
        .hasMessageContaining("cannot read session key file");
  }
}
