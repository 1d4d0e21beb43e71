package io.gatehouse.transport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void emptyFileMeansSafeDefaults() throws Exception {
    TransportConfig config = TransportConfigLoader.load(Files.writeString(dir.resolve("t.yaml"), ""));
    assertThat(config).isEqualTo(TransportConfig.defaults());
    assertThat(config.bind()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8443);
    assertThat(config.plainHttp()).isFalse();
    assertThat(config.tls().provider()).isEqualTo(TransportConfig.TlsProvider.JDK);
    assertThat(config.tls().clientAuth()).isEqualTo(TransportConfig.ClientAuthMode.NONE);
    assertThat(config.limits().maxBodyBytes()).isEqualTo(4 << 20);
    assertThat(config.limits().requestReadTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.allowedHosts()).containsExactly("localhost", "127.0.0.1", "[::1]");
    assertThat(config.allowedOrigins()).isEmpty();
  }

  @Test
  void everyKeyIsRead() {
    TransportConfig config = TransportConfigLoader.parse("""
        bind: 0.0.0.0
        port: 9443
        tls:
          certificate: certs/servers/localhost.crt
          privateKey: certs/servers/localhost.key
          trustBundle: certs/ca/chain.pem
          clientAuth: optional
          provider: auto
        limits:
          maxBodyBytes: 1048576
          maxHeaderBytes: 8192
          maxHeaderCount: 50
          requestReadTimeout: 10s
          maxSessions: 500
          maxSessionsPerPrincipal: 4
          sessionIdleTimeout: 15m
          sseKeepAlive: PT20S
          sseMaxBufferedBytes: 262144
        allowedHosts: [Gatehouse.Example.com, "localhost:9443"]
        allowedOrigins: [https://app.example.com]
        shutdownGrace: 250ms
        """);
    assertThat(config.bind()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(9443);
    assertThat(config.tls().certificate()).isEqualTo(Path.of("certs/servers/localhost.crt"));
    assertThat(config.tls().trustBundle()).isEqualTo(Path.of("certs/ca/chain.pem"));
    assertThat(config.tls().clientAuth()).isEqualTo(TransportConfig.ClientAuthMode.OPTIONAL);
    assertThat(config.tls().provider()).isEqualTo(TransportConfig.TlsProvider.AUTO);
    assertThat(config.limits()).isEqualTo(new TransportConfig.Limits(1048576, 8192, 50,
        Duration.ofSeconds(10), 500, 4, Duration.ofMinutes(15), Duration.ofSeconds(20), 262144));
    assertThat(config.allowedHosts()).containsExactly("gatehouse.example.com", "localhost:9443");
    assertThat(config.allowedOrigins()).isEqualTo(List.of("https://app.example.com"));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void mistakesAreOneLineErrors() throws Exception {
    assertThatThrownBy(() -> TransportConfigLoader.parse("limits:\n  maxBodyByte: 5\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBodyByte");
    assertThatThrownBy(() -> TransportConfigLoader.parse("limits:\n  maxBodyBytes: -1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBodyBytes must be positive");
    assertThatThrownBy(() -> TransportConfigLoader.parse("shutdownGrace: soon\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid duration");
    assertThatThrownBy(() -> TransportConfigLoader.parse("tls:\n  provider: boring\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("boring");
    Path file = Files.writeString(dir.resolve("bad.yaml"), "port: 70000\n");
    assertThatThrownBy(() -> TransportConfigLoader.load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("config " + file + ": ")
        .hasMessageContaining("port must be 0..65535")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void proxyProtocolIsOffByDefaultAndTakesLiteralAddressesOrCidrs() {
    assertThat(TransportConfig.defaults().proxyProtocol().enabled()).isFalse();
    TransportConfig config = TransportConfigLoader.parse("""
        proxyProtocol:
          trustedProxies: [10.0.0.0/8, 192.0.2.7, "fd00::/8"]
        """);
    assertThat(config.proxyProtocol().enabled()).isTrue();
    assertThat(config.proxyProtocol().trustedProxies())
        .containsExactly("10.0.0.0/8", "192.0.2.7", "fd00::/8");
    for (String bad : List.of("lb.example.com", "10.0.0.0/33", "10.0.0.0/x", "fd00::/129")) {
      assertThatThrownBy(() -> TransportConfigLoader.parse(
          "proxyProtocol:\n  trustedProxies: [\"" + bad + "\"]\n"))
          .hasMessageContaining("proxyProtocol.trustedProxies")
          .hasMessageContaining(bad);
    }
  }
}
