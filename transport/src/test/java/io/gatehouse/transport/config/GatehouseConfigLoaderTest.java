package io.gatehouse.transport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one configuration model: layers, key-path errors, and config and builders agreeing. */
class GatehouseConfigLoaderTest {
  @TempDir Path dir;

  private GatehouseConfig load(String yaml) throws Exception {
    return GatehouseConfigLoader.withModelDefaults()
        .load(Files.writeString(dir.resolve("g.yaml"), yaml), Map.of()).config();
  }

  @Test
  void configAndComponentRefuseTheSameValuesWithTheSameMessage() {
    // Before: config accepted maxFailures 5000 that the lockout builder refused, and the audit
    // builder accepted backups 0 that config refused.
    String lockout = "auth.lockout.maxFailures must be positive and at most 1000, was 5000";
    assertThatThrownBy(() -> load("auth: {lockout: {maxFailures: 5000}}"))
        .hasMessageEndingWith(lockout);
    assertThatThrownBy(() -> AuthFailureLockout.builder().maxFailures(5000))
        .hasMessage(lockout);
    String backups = "auth.audit.backups must be positive and at most 100, was 0";
    assertThatThrownBy(() -> load("auth: {audit: {backups: 0}}")).hasMessageEndingWith(backups);
    assertThatThrownBy(() -> AuditLog.builder().backups(0)).hasMessage(backups);
    assertThatThrownBy(() -> load("auth: {revocation: {maxCacheTtl: 2d}}"))
        .hasMessageEndingWith("auth.revocation.maxCacheTtl must be between 1s and 1d, was 2d");
  }

  @Test
  void errorsNameTheKeyPathInTheUsersTerms() {
    assertThatThrownBy(() -> load("server: {prot: 1}"))
        .hasMessageContaining("unknown key server.prot (known: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("TransportConfig")
            .doesNotContain("\n"));
    assertThatThrownBy(() -> load("server: {limits: {requestReadTimeout: soon}}"))
        .hasMessageContaining("server.limits.requestReadTimeout: invalid duration 'soon'");
    assertThatThrownBy(() -> load("auth: {revocation: {mode: sometimes}}"))
        .hasMessageContaining("fail-closed, soft-fail or off");
    assertThatThrownBy(() -> load("server: {tls: {provider: boring}}"))
        .hasMessageContaining("server.tls.provider: invalid value 'boring' (one of jdk, openssl, auto)");
    assertThatThrownBy(() -> load("metrics: {enabled: maybe}"))
        .hasMessageContaining("metrics.enabled");
    assertThatThrownBy(() -> load("server: {auth: {}}")).hasMessageContaining("top-level");
  }

  @Test
  void theEffectiveConfigPrintsAndReadsBackToTheSameModel() throws Exception {
    GatehouseConfigLoader loader = GatehouseConfigLoader.withModelDefaults();
    GatehouseConfigLoader.Loaded loaded = loader.load(Files.writeString(dir.resolve("a.yaml"), """
        server: {port: 9443, limits: {sseKeepAlive: PT20S}}
        auth: {revocation: {mode: SOFT_FAIL}, jwt: {enabled: true, issuer: https://i.example,
               jwksUrl: https://i.example/jwks.json}}
        """), Map.of("GATEHOUSE_AUTH_LOCKOUT_WINDOW", "90s"));
    String printed = loaded.toYaml();
    assertThat(printed).contains("mode: \"soft-fail\"").contains("sseKeepAlive: \"20s\"")
        .contains("window: \"90s\"").contains("maxFailures: 10");
    GatehouseConfig again = loader.load(Files.writeString(dir.resolve("b.yaml"), printed), Map.of())
        .config();
    assertThat(again).isEqualTo(loaded.config());
    assertThat(again.auth().lockout().window()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void applicationDefaultsMayNotBeMistyped() {
    assertThatThrownBy(() -> GatehouseConfigLoader.withApplicationDefaults("auth: {polcy: {}}"))
        .hasMessageContaining("unknown key auth.polcy");
  }
}
