package io.gatehouse.bench.castore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL ÷ SQLite ratio of each {@link CaStoreBenchmark} operation from short windows
 * that alternate between the stores in one JVM (the order flips every round), so both sides of a
 * ratio see the same load; JMH measures one store after the other, minutes apart, which a shared
 * machine's changing load skews. The result per operation: the median of the per-round ratios
 * and their range.
 */
final class InterleavedRounds {
  /** The operations, by the JMH method names the report uses. */
  static final List<String> OPERATIONS = List.of("issue", "ocspSigned", "storeFind", "ocspPreSigned");

  /** How long and how often. */
  record Settings(int rounds, long warmupMillis, long windowMillis) {}

  /**
   * One operation's ratios.
   *
   * @param ratios PostgreSQL ÷ SQLite operations per second, one per round, ascending
   */
  record Ratio(double[] ratios) {
    double median() {
      return RevokePropagation.Result.median(ratios);
    }

    double min() {
      return ratios[0];
    }

    double max() {
      return ratios[ratios.length - 1];
    }
  }

  private InterleavedRounds() {}

  /** Measures every operation on the two shared CAs. */
  static Map<String, Ratio> measure(Settings settings) throws Exception {
    Map<StoreKind, CaStoreBenchmark> benches = new EnumMap<>(StoreKind.class);
    for (StoreKind store : StoreKind.values()) {
      CaStoreBenchmark bench = new CaStoreBenchmark();
      bench.store = store.param();
      bench.setUp();
      benches.put(store, bench);
    }
    Map<String, Ratio> out = new LinkedHashMap<>();
    for (String operation : OPERATIONS) {
      for (StoreKind store : StoreKind.values()) {
        rate(benches.get(store), operation, settings.warmupMillis());
      }
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < settings.rounds(); round++) {
        Map<StoreKind, Double> rates = new EnumMap<>(StoreKind.class);
        StoreKind first = round % 2 == 0 ? StoreKind.SQLITE : StoreKind.POSTGRESQL;
        StoreKind second = first == StoreKind.SQLITE ? StoreKind.POSTGRESQL : StoreKind.SQLITE;
        rates.put(first, rate(benches.get(first), operation, settings.windowMillis()));
        rates.put(second, rate(benches.get(second), operation, settings.windowMillis()));
        ratios.add(rates.get(StoreKind.POSTGRESQL) / rates.get(StoreKind.SQLITE));
      }
      double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(sorted);
      out.put(operation, new Ratio(sorted));
    }
    return out;
  }

  /** Operations per second of {@code operation} over about {@code millis} ms (at least one call). */
  private static double rate(CaStoreBenchmark bench, String operation, long millis) throws Exception {
    long start = System.nanoTime();
    long end = start + millis * 1_000_000;
    long calls = 0;
    long now;
    do {
      switch (operation) {
        case "issue" -> bench.issue();
        case "ocspSigned" -> bench.ocspSigned();
        case "storeFind" -> bench.storeFind();
        case "ocspPreSigned" -> bench.ocspPreSigned();
        default -> throw new IllegalArgumentException(operation);
      }
      calls++;
      now = System.nanoTime();
    } while (now < end);
    return calls / ((now - start) / 1e9);
  }
}
