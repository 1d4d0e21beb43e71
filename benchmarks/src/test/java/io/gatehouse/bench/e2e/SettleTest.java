package io.gatehouse.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The settle test that ends a target's warm-up load: two successive windows within the tolerance. */
class SettleTest {
  @Test
  void settledOnlyWhenTheLastTwoWindowsDifferByLessThanTheTolerance() {
    assertThat(LoadHarness.settled(List.of(), 0.05)).isFalse();
    assertThat(LoadHarness.settled(List.of(1000.0), 0.05)).isFalse();
    assertThat(LoadHarness.settled(List.of(500.0, 1000.0, 1040.0), 0.05)).isTrue();
    assertThat(LoadHarness.settled(List.of(1000.0, 1040.0, 1100.0), 0.05)).isFalse(); // +5.8 %
    assertThat(LoadHarness.settled(List.of(1000.0, 951.0), 0.05)).isTrue();
    assertThat(LoadHarness.settled(List.of(1000.0, 950.0), 0.05)).isFalse(); // exactly 5 %: not less
    assertThat(LoadHarness.settled(List.of(0.0, 0.0), 0.05)).isFalse(); // nothing served is not settled
  }

  @Test
  void theFullMethodIsTheSteadyStateOneAndQuickIsNot() {
    LoadHarness.Settings full = LoadHarness.Settings.full();
    assertThat(full.steadyState()).isTrue();
    assertThat(full.minPreload().toSeconds()).isGreaterThanOrEqualTo(40);
    assertThat(full.window().toSeconds()).isEqualTo(5);
    assertThat(full.settleTolerance()).isEqualTo(0.05);
    assertThat(full.rounds()).isGreaterThanOrEqualTo(2);
    assertThat(full.connections()).contains(8, 64);
    assertThat(LoadHarness.Settings.quick().steadyState()).isFalse();
    assertThat(LoadHarness.Settings.smoke().steadyState()).isFalse();
  }
}
