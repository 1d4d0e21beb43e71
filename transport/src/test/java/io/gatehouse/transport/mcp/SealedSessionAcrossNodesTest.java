package io.gatehouse.transport.mcp;

import static io.gatehouse.transport.mcp.SessionEvictionTest.headers;
import static io.gatehouse.transport.mcp.SessionEvictionTest.initialize;
import static io.gatehouse.transport.mcp.SessionEvictionTest.use;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.session.SessionKeys;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Two transport nodes sharing the session keys serve each other's sessions (issue 13): a sealed
 * id initialized on one node is re-created on the other for its owner, and refused (404) there
 * for another principal, tampered, or under a key the node does not hold; rotation opens old ids.
 * DELETE is local: the deleting node refuses the id afterwards, a node still holding it or never
 * having held it does not know.
 */
class SealedSessionAcrossNodesTest {
  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

  static String key(String id) {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return id + ":" + Base64.getEncoder().encodeToString(k);
  }

  static TestServer node(SessionKeys keys) {
    TestServer server = SessionEvictionTest.start(TransportConfig.Limits.defaults());
    server.transport.setSessionKeys(keys);
    return server;
  }

  @Test
  void aSessionInitializedOnOneNodeIsServedByTheOtherForItsOwnerOnly() throws Exception {
    SessionKeys shared = SessionKeys.parse(key("k1"));
    try (TestServer a = node(shared); TestServer b = node(shared);
        TestServer stranger = node(SessionKeys.parse(key("k1")))) {
      String session = initialize(a, "alice");
      assertThat(b.transport.sessionCount()).isZero();
      assertThat(use(b, "alice", session)).isEqualTo(202);
      assertThat(b.transport.sessionCount()).isEqualTo(1);
      try (RawHttp raw = RawHttp.connect(null, b.port())) {
        RawHttp.Response list = raw.exchange(
            RawHttp.request("POST", "/mcp", headers("alice", session), TOOLS_LIST));
        assertThat(list.status()).isEqualTo(200);
        assertThat(raw.readEvent()).contains("whoami");
      }
      assertThat(use(a, "alice", session)).isEqualTo(202);

      assertThat(use(b, "bob", session)).as("another principal").isEqualTo(404);
      int middle = session.length() / 2;
      String tampered = session.substring(0, middle)
          + (session.charAt(middle) == 'x' ? 'y' : 'x') + session.substring(middle + 1);
      assertThat(use(b, "alice", tampered)).as("tampered").isEqualTo(404);
      assertThat(use(stranger, "alice", session)).as("unknown key, same key id").isEqualTo(404);
      assertThat(stranger.transport.sessionCount()).isZero();
    }
  }

  @Test
  void rotationOpensIdsSealedUnderTheOldKey() throws Exception {
    String old = key("old");
    String fresh = key("new");
    try (TestServer before = node(SessionKeys.parse(old));
        TestServer during = node(SessionKeys.parse(fresh + "," + old));
        TestServer after = node(SessionKeys.parse(fresh))) {
      String oldId = initialize(before, "alice");
      assertThat(use(during, "alice", oldId)).isEqualTo(202);
      String newId = initialize(during, "alice");
      assertThat(newId).startsWith("new.");
      assertThat(use(before, "alice", newId)).isEqualTo(404);
      assertThat(use(after, "alice", newId)).isEqualTo(202);
      assertThat(use(after, "alice", oldId)).isEqualTo(404);
    }
  }

  @Test
  void deleteIsLocal() throws Exception {
    SessionKeys shared = SessionKeys.parse(key("k1"));
    try (TestServer a = node(shared); TestServer b = node(shared)) {
      String session = initialize(a, "alice");
      try (RawHttp raw = RawHttp.connect(null, a.port())) {
        assertThat(raw.exchange(RawHttp.request("DELETE", "/mcp", headers("alice", session), null))
            .status()).isEqualTo(200);
      }
      assertThat(use(a, "alice", session)).as("deleted here, not re-created").isEqualTo(404);
      assertThat(a.transport.sessionCount()).isZero();
      // Best effort across nodes: a node that did not see the DELETE still accepts the id.
      assertThat(use(b, "alice", session)).isEqualTo(202);
    }
  }
}
