package io.gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MutableClockTest {
  private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void advancesByHand() {
    MutableClock clock = new MutableClock(START);
    clock.advance(Duration.ofSeconds(90));
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(90));
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    clock.advance(Duration.ofMinutes(-5));
    assertThat(clock.millis()).isEqualTo(START.minusSeconds(210).toEpochMilli());
  }

  /** One of the two clocks this replaces threw here; java.time calls withZone (e.g. ZonedDateTime.now). */
  @Test
  void withZoneIsAViewOnTheSameInstant() {
    MutableClock clock = new MutableClock(START);
    ZoneId paris = ZoneId.of("Europe/Paris");
    Clock inParis = clock.withZone(paris);
    assertThat(inParis.getZone()).isEqualTo(paris);
    assertThat(inParis.instant()).isEqualTo(START);
    clock.advance(Duration.ofHours(1));
    assertThat(inParis.instant()).isEqualTo(START.plusSeconds(3600));
    assertThat(java.time.ZonedDateTime.now(inParis).getHour()).isEqualTo(14);
    assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
  }
}
