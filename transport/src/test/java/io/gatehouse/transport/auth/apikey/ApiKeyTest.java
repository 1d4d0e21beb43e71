package io.gatehouse.transport.auth.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyTest {
  @TempDir Path dir;

  @Test
  void createdKeyAuthenticatesWithItsRolesAndOnlyItsHashIsStored() throws Exception {
    Path file = Files.createDirectories(dir.resolve("certs")).resolve("apikeys.json");
    ApiKeyStore store = ApiKeyStore.open(file);
    CreatedKey created = store.create("ci-bot", List.of("viewer", "metrics"));
    assertThat(created.key()).matches("gh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
    assertThat(created.toString()).doesNotContain(created.key());

    String stored = Files.readString(file);
    assertThat(stored).doesNotContain(created.key().substring(20)).contains(created.record().sha256());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

    Principal p = authenticated(new ApiKeyAuthenticator(ReloadingApiKeys.watch(file)), created.key());
    assertThat(p.id()).isEqualTo(created.record().id());
    assertThat(p.credentialId()).isEqualTo(created.record().id());
    assertThat(p.roles()).containsExactlyInAnyOrder("viewer", "metrics");
    assertThat(p.method()).isEqualTo(AuthMethod.API_KEY);
    // A fresh store reads what the first wrote.
    assertThat(ApiKeyStore.open(file).list()).containsExactly(created.record());
  }

  @Test
  void refusesBadTruncatedUnknownDuplicateAndRevokedKeys() throws Exception {
    ApiKeyStore store = ApiKeyStore.open(dir.resolve("apikeys.json"));
    ReloadingApiKeys keys = ReloadingApiKeys.manual(store.file());
    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(keys);
    String key = store.create("alice", List.of("viewer")).key();
    keys.refresh();
    String id = key.substring(3, 19);

    assertThat(auth.authenticate(AuthRequest.builder().build())).isInstanceOf(AuthResult.NotPresent.class);
    assertRejected(auth, key.substring(0, key.length() - 1), "malformed");
    assertRejected(auth, key + "A", "malformed");
    assertRejected(auth, "", "malformed");
    char last = key.charAt(key.length() - 1);
    assertRejected(auth, key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A'), "unknown API key " + id);
    assertRejected(auth, "gh_0123456789abcdef_" + key.substring(20), "unknown API key 0123456789abcdef");
    AuthResult dup = auth.authenticate(AuthRequest.builder()
        .header("X-API-Key", key).header("x-api-key", key).build());
    assertThat(((AuthResult.Rejected) dup).reason()).contains("duplicate");

    ApiKeyRecord revoked = store.revoke(id);
    keys.refresh();
    assertThat(revoked.revoked()).isTrue();
    assertThat(revoked.revokedAt()).isNotNull();
    assertRejected(auth, key, "revoked");
    assertThat(store.revoke(id)).isEqualTo(revoked);
    assertThatThrownBy(() -> store.revoke("ffffffffffffffff")).hasMessageContaining("no API key");
  }

  @Test
  void runningServerPicksUpRevocationByAnotherProcessWithinOnePoll() throws Exception {
    Path file = dir.resolve("apikeys.json");
    ReloadingApiKeys server = ReloadingApiKeys.manual(file); // this test decides when it polls
    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(server);
    CreatedKey created = ApiKeyStore.open(file).create("bot", List.of("viewer"));
    assertRejected(auth, created.key(), "unknown"); // file changed, but no poll yet
    server.refresh();
    authenticated(auth, created.key());

    ApiKeyStore.open(file).revoke(created.record().id()); // as `gatehouse apikey revoke` would
    authenticated(auth, created.key()); // not polled since
    server.refresh();
    assertRejected(auth, created.key(), "revoked");

    // A broken file keeps the previous keys (and the revocation).
    Files.writeString(file, "{ broken");
    server.refresh();
    assertRejected(auth, created.key(), "revoked");
  }

  @Test
  void refusesInvalidFilesAndArguments() throws Exception {
    Path file = dir.resolve("apikeys.json");
    Files.writeString(file, "{\"version\": 1, \"keys\": [], \"extra\": true}");
    assertThatThrownBy(() -> ApiKeyStore.open(file)).hasMessageContaining("not a valid API-key file");
    Files.writeString(file, "{\"version\": 2, \"keys\": []}");
    assertThatThrownBy(() -> ApiKeyStore.open(file)).hasMessageContaining("\"version\": 1");
    Files.writeString(file, "{\"version\": 1, \"keys\": [{\"id\": \"0123456789abcdef\", \"name\": \"x\","
        + " \"roles\": [\"Admin\"], \"created\": \"2026-01-01T00:00:00Z\", \"revoked\": false,"
        + " \"revokedAt\": null, \"sha256\": \"" + "0".repeat(64) + "\"}]}");
    assertThatThrownBy(() -> ApiKeyStore.open(file)).hasMessageContaining("invalid role name");
    Files.delete(file);
    ApiKeyStore store = ApiKeyStore.open(file);
    assertThat(store.list()).isEmpty();
    assertThatThrownBy(() -> store.create("bad name", List.of("viewer"))).hasMessageContaining("name");
    assertThatThrownBy(() -> store.create("ok", List.of())).hasMessageContaining("role");
  }

  private static Principal authenticated(ApiKeyAuthenticator auth, String key) {
    AuthResult result = auth.authenticate(AuthRequest.builder().header("X-API-Key", key).build());
    assertThat(result).as("%s", result).isInstanceOf(AuthResult.Authenticated.class);
    return ((AuthResult.Authenticated) result).principal();
  }

  private static void assertRejected(ApiKeyAuthenticator auth, String key, String reason) {
    AuthResult result = auth.authenticate(AuthRequest.builder().header("X-API-Key", key).build());
    assertThat(result).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) result).reason()).contains(reason).doesNotContain(key.length() > 20 ? key.substring(20) : "\u0000");
    assertThat(((AuthResult.Rejected) result).tokenPresented()).isFalse();
  }
}
