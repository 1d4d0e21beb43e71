package io.gatehouse.transport.auth.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingPolicyTest {
  private static final Principal VIEWER =
      new Principal("spiffe://gatehouse.local/client/v", Set.of("viewer"), AuthMethod.CERTIFICATE, "02");

  @TempDir Path dir;

  @Test
  void aChangedFileTakesEffectWithoutRestart() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), "roles: {viewer: {tools: [crm.read]}}");
    try (ReloadingPolicy policy = ReloadingPolicy.watch(file)) {
      assertThat(policy.current().mayCall(VIEWER, "crm.read")).isTrue();
      assertThat(policy.current().mayCall(VIEWER, "hr.list")).isFalse();

      // Atomic replace, as editors and config management do.
      Path next = Files.writeString(dir.resolve("next.yaml"), "roles: {viewer: {tools: [hr.list]}}");
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      await(() -> policy.current().mayCall(VIEWER, "hr.list"));
      assertThat(policy.current().mayCall(VIEWER, "crm.read")).isFalse();
    }
  }

  @Test
  void reloadListenersRunOnlyWhenANewPolicyTakesEffect() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), "roles: {viewer: {tools: [crm.read]}}");
    try (ReloadingPolicy policy = ReloadingPolicy.manual(file)) {
      java.util.concurrent.atomic.AtomicInteger reloads = new java.util.concurrent.atomic.AtomicInteger();
      policy.onReload(() -> {
        throw new IllegalStateException("a failing listener does not stop the others");
      });
      policy.onReload(reloads::incrementAndGet);
      policy.poll();
      assertThat(reloads).hasValue(0);
      Files.writeString(file, "roles: {viewer: {includes: [nobody]}}");
      policy.poll();
      assertThat(reloads).hasValue(0);
      Files.writeString(file, "roles: {viewer: {tools: [hr.list]}}");
      policy.poll();
      policy.poll();
      assertThat(reloads).hasValue(1);
    }
  }

  @Test
  void aBadNewFileKeepsThePreviousPolicy() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), "roles: {viewer: {tools: [crm.read]}}");
    // A long interval: this test drives the polls itself.
    try (ReloadingPolicy policy = ReloadingPolicy.manual(file)) {
      Policy good = policy.current();
      Files.writeString(file, "roles: {viewer: {includes: [nobody], tools: [hr.list]}}");
      policy.poll();
      assertThat(policy.current()).isSameAs(good);

      Files.delete(file);
      policy.poll();
      assertThat(policy.current()).isSameAs(good);

      Files.writeString(file, "roles: {viewer: {tools: [crm.read, hr.list]}}");
      policy.poll();
      assertThat(policy.current()).isNotSameAs(good);
      assertThat(policy.current().mayCall(VIEWER, "hr.list")).isTrue();
    }
  }

  @Test
  void aMissingOrInvalidFileAtStartIsAnError() throws Exception {
    assertThatThrownBy(() -> ReloadingPolicy.watch(dir.resolve("absent.yaml")))
        .isInstanceOf(java.io.IOException.class);
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "roles: {a: {includes: [b]}}");
    assertThatThrownBy(() -> ReloadingPolicy.watch(bad)).isInstanceOf(PolicyException.class);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
