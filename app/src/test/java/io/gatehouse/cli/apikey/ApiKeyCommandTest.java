package io.gatehouse.cli.apikey;

import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.ReloadingApiKeys;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code apikey create|list|revoke} through picocli, against a real file. */
class ApiKeyCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ApiKeyCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void createListRevoke() throws Exception {
    String file = dir.resolve("apikeys.json").toString();
    Run created = run("create", "--file", file, "--name", "ci-bot", "--role", "viewer", "--role", "metrics");
    assertThat(created.exit()).isZero();
    String key = created.out().strip();
    assertThat(key).matches("gh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
    assertThat(created.err()).contains("shown only this once");
    String id = key.substring(3, 19);
    assertThat(Files.readString(Path.of(file))).doesNotContain(key);

    Run json = run("create", "--file", file, "--name", "other", "--role", "admin", "--json");
    JsonNode node = JsonMapper.builder().build().readTree(json.out());
    assertThat(node.get("key").asString()).startsWith("gh_" + node.get("id").asString() + "_");

    Run list = run("list", "--file", file);
    assertThat(list.out()).contains("ID", id, "ci-bot", "viewer,metrics", "active").doesNotContain(key);
    JsonNode listed = JsonMapper.builder().build().readTree(run("list", "--file", file, "--json").out());
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).get("id").asString()).isEqualTo(id);
    assertThat(listed.get(0).has("sha256")).isFalse();
    assertThat(listed.get(0).has("key")).isFalse();

    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(ReloadingApiKeys.watch(Path.of(file)));
    AuthRequest request = AuthRequest.builder().header("X-API-Key", key).build();
    assertThat(auth.authenticate(request)).isInstanceOf(AuthResult.Authenticated.class);

    Run revoked = run("revoke", "--file", file, "--id", id);
    assertThat(revoked.exit()).isZero();
    assertThat(revoked.out()).contains("Revoked API key " + id);
    assertThat(run("list", "--file", file).out()).contains("revoked 20");
    assertThat(new ApiKeyAuthenticator(ReloadingApiKeys.watch(Path.of(file))).authenticate(request))
        .isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void usageAndRuntimeErrorsAreOneLineWithExitCodes() throws Exception {
    String file = dir.resolve("apikeys.json").toString();
    Run badRole = run("create", "--file", file, "--name", "x", "--role", "Not A Role");
    assertThat(badRole.exit()).isEqualTo(2);
    assertThat(badRole.err()).contains("invalid role name");
    assertThat(run("create", "--file", file, "--name", "x").exit()).isEqualTo(2);
    assertThat(run().exit()).isEqualTo(2);

    Run unknown = run("revoke", "--file", file, "--id", "0123456789abcdef");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err().strip()).startsWith("error: no API key with id").doesNotContain("\n");

    Files.writeString(Path.of(file), "[]");
    Run broken = run("list", "--file", file);
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.err()).startsWith("error: ").contains("not a valid API-key file");
    assertThat(broken.err().strip().lines().count()).isEqualTo(1);
    assertThat(run("--help").out()).contains("create", "list", "revoke");
    assertThat(run("create", "--help").out()).contains("--file", "certs/apikeys.json");
  }

  /** Issue 11, finding 8: a mistyped --file never creates directories (not even below /). */
  @Test
  void createRefusesAFileInAMissingDirectoryAndCreatesNothing() {
    Path missing = dir.resolve("nonexistent/dir/k.json");
    Run refused = run("create", "--file", missing.toString(), "--name", "x", "--role", "viewer");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).as("no key is printed").isEmpty();
    assertThat(refused.err().strip()).isEqualTo("error: cannot write " + missing + ": directory "
        + missing.getParent() + " does not exist (create it first)");
    assertThat(dir.resolve("nonexistent")).doesNotExist();
    Run atRoot = run("create", "--file", "/gatehouse-nonexistent-" + ProcessHandle.current().pid()
        + "/k.json", "--name", "x", "--role", "viewer");
    assertThat(atRoot.exit()).isEqualTo(1);
    assertThat(atRoot.err()).contains("does not exist");
    assertThat(Path.of("/gatehouse-nonexistent-" + ProcessHandle.current().pid())).doesNotExist();
  }

  @Test
  void defaultFileIsCertsApikeysJson() {
    CommandLine cli = new CommandLine(new ApiKeyCommand());
    CommandLine.ParseResult parsed = cli.parseArgs("list");
    ApiKeyCommand.ListKeys list = (ApiKeyCommand.ListKeys) parsed.subcommand().commandSpec().userObject();
    assertThat(list.fileOption.file).isEqualTo(Path.of("certs/apikeys.json"));
    assertThat(List.of(ApiKeyStore.DEFAULT_FILE)).containsExactly(Path.of("certs", "apikeys.json"));
  }

  /**
   * Issue 16: {@code --spiffe-id} binds a key to a SPIFFE ID of the trust domain, so the key's
   * principal is the certificate's; another trust domain or a malformed ID is a usage error.
   */
  @Test
  void aKeyCanNameASpiffeIdOfItsTrustDomainOnly() throws Exception {
    String file = dir.resolve("apikeys.json").toString();
    String alice = "spiffe://gatehouse.local/client/alice";
    Run bound = run("create", "--file", file, "--name", "alice-ci", "--role", "viewer",
        "--spiffe-id", alice);
    assertThat(bound.exit()).as(bound.err()).isZero();
    assertThat(bound.err()).contains("principal " + alice);
    String key = bound.out().strip();
    AuthResult result = new ApiKeyAuthenticator(ReloadingApiKeys.watch(Path.of(file)), "gatehouse.local")
        .authenticate(AuthRequest.builder().header("X-API-Key", key).build());
    assertThat(result).isInstanceOf(AuthResult.Authenticated.class);
    io.gatehouse.transport.auth.Principal principal = ((AuthResult.Authenticated) result).principal();
    assertThat(principal.id()).isEqualTo(alice);
    assertThat(principal.method()).isEqualTo(io.gatehouse.transport.auth.AuthMethod.API_KEY);
    assertThat(principal.credentialId()).isEqualTo(key.substring(3, 19));

    Run foreign = run("create", "--file", file, "--name", "x", "--role", "viewer",
        "--spiffe-id", "spiffe://evil.example/client/alice");
    assertThat(foreign.exit()).isEqualTo(2);
    assertThat(foreign.err()).contains("is not in trust domain gatehouse.local");
    for (String malformed : List.of("spiffe://gatehouse.local/client/../alice",
        "spiffe://gatehouse.local/client/alice/", "spiffe://gatehouse.local:443/client/alice",
        "spiffe://gatehouse.local/client/alice#x")) {
      Run refused = run("create", "--file", file, "--name", "x", "--role", "viewer",
          "--spiffe-id", malformed);
      assertThat(refused.exit()).as(malformed).isEqualTo(2);
      assertThat(refused.err()).as(malformed).containsAnyOf("invalid SPIFFE ID", "not in trust domain");
    }
    Run otherDomain = run("create", "--file", file, "--name", "bob-ci", "--role", "viewer",
        "--spiffe-id", "spiffe://corp.example/client/bob", "--trust-domain", "corp.example");
    assertThat(otherDomain.exit()).as(otherDomain.err()).isZero();
    // A server whose trust domain is gatehouse.local refuses it all the same.
    AuthResult outside = new ApiKeyAuthenticator(ReloadingApiKeys.watch(Path.of(file)), "gatehouse.local")
        .authenticate(AuthRequest.builder().header("X-API-Key", otherDomain.out().strip()).build());
    assertThat(outside).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) outside).reason()).contains("outside trust domain gatehouse.local");

    Run unbound = run("create", "--file", file, "--name", "plain", "--role", "viewer");
    assertThat(run("list", "--file", file).out()).contains("PRINCIPAL", alice,
        "spiffe://corp.example/client/bob");
    JsonNode listed = JsonMapper.builder().build().readTree(run("list", "--file", file, "--json").out());
    assertThat(listed).hasSize(3);
    assertThat(listed.get(0).get("spiffeId").asString()).isEqualTo(alice);
    assertThat(listed.get(2).has("spiffeId")).isFalse();
    // Unbound keys are written without the field: files without bound keys keep their shape.
    assertThat(Files.readString(Path.of(file)).split("spiffeId", -1)).hasSize(3);
    assertThat(new ApiKeyAuthenticator(ReloadingApiKeys.watch(Path.of(file)))
        .authenticate(AuthRequest.builder().header("X-API-Key", unbound.out().strip()).build()))
        .isInstanceOfSatisfying(AuthResult.Authenticated.class,
            a -> assertThat(a.principal().id()).isEqualTo(unbound.out().strip().substring(3, 19)));
  }
}
