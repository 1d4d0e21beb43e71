package io.gatehouse.ca.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.ca.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Provisioner definitions and their pattern matching, without a CA. */
class ProvisionerTest {
  static Provisioner client(String pattern, String... roles) {
    return new Provisioner("agents", Provisioner.Kind.CLIENT, List.of(roles), pattern, List.of(), List.of(),
        Duration.ofHours(24));
  }

  static Provisioner server(List<String> dns, List<String> ips) {
    return new Provisioner("web", Provisioner.Kind.SERVER, List.of(), "*", dns, ips, Duration.ofDays(30));
  }

  @Test
  void namePatternsAreGlobsOverTheWholeName() throws Exception {
    Provisioner p = client("agent-*", "viewer").validate();
    assertThat(p.allowsName("agent-7")).isTrue();
    assertThat(p.allowsName("agent-")).isTrue();
    assertThat(p.allowsName("xagent-7")).isFalse();
    assertThat(p.allowsName("bob")).isFalse();
    assertThat(client("*", "viewer").allowsName("anything.goes")).isTrue();
    assertThat(client("a.b", "viewer").allowsName("aXb")).as("'.' is literal").isFalse();
  }

  @Test
  void rolesOutsideAreNamed() {
    assertThat(client("*", "viewer", "hr.read").rolesOutside(List.of("viewer", "admin"))).containsExactly("admin");
  }

  @Test
  void dnsStarsMatchOneLabelAndIpPatternsAreCidrBlocks() throws Exception {
    Provisioner p = server(List.of("*.svc.internal", "exact.example"), List.of("10.0.0.0/8", "192.168.1.5", "fd00::/8"))
        .validate();
    assertThat(p.allowsDns("api.svc.internal")).isTrue();
    assertThat(p.allowsDns("API.svc.internal")).isTrue();
    assertThat(p.allowsDns("a.b.svc.internal")).isFalse();
    assertThat(p.allowsDns("svc.internal")).isFalse();
    assertThat(p.allowsDns("exact.example")).isTrue();
    assertThat(p.allowsDns("notexact.example")).isFalse();
    assertThat(p.allowsIp("10.200.3.4")).isTrue();
    assertThat(p.allowsIp("11.0.0.1")).isFalse();
    assertThat(p.allowsIp("192.168.1.5")).isTrue();
    assertThat(p.allowsIp("192.168.1.6")).isFalse();
    assertThat(p.allowsIp("fd12::1")).isTrue();
    assertThat(p.allowsIp("fe80::1")).isFalse();
    assertThat(p.allowsIp("not-an-ip.example")).as("no DNS lookups").isFalse();
  }

  @Test
  void badDefinitionsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> client("*").validate()).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("at least one --role");
    assertThatThrownBy(() -> client("agent-?", "viewer").validate()).hasMessageContaining("--name-pattern");
    assertThatThrownBy(() -> server(List.of(), List.of()).validate()).hasMessageContaining("--dns-pattern or --ip-pattern");
    assertThatThrownBy(() -> server(List.of("bad_label.example"), List.of()).validate()).hasMessageContaining("--dns-pattern");
    assertThatThrownBy(() -> server(List.of(), List.of("10.0.0.0/33")).validate()).hasMessageContaining("--ip-pattern");
    assertThatThrownBy(() -> new Provisioner("Agents", Provisioner.Kind.CLIENT, List.of("viewer"), "*", List.of(),
        List.of(), Duration.ofHours(1)).validate()).hasMessageContaining("invalid provisioner name");
  }
}
