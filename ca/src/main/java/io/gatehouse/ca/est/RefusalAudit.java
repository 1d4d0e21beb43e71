package io.gatehouse.ca.est;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounds the signed {@code est-refuse} entries a refusal flood can append to the audit chain,
 * without losing a refusal from the record (docs/est.md, "Refusals"). Refusals are keyed by
 * (operation, source, serial, status, reason). The first refusal of a key in a window is written
 * at once, before the client gets its answer, as a single refusal always was; repeats within the
 * window are only counted, and one entry per key carries the count when the window ends. A window
 * holds at most {@value #MAX_KEYS} keys; refusals beyond them fold into one per-operation key of
 * source {@code *}. So a window appends at most 2 × ({@value #MAX_KEYS} + operations) entries,
 * however many requests were refused, where it used to append one signed entry per request.
 */
final class RefusalAudit {
  /** Distinct refusal keys per window before the rest fold into source {@code *}. */
  static final int MAX_KEYS = 32;

  /** What is written: the chain entry's subject (serial or {@code -}) and detail. */
  record Entry(String serial, String detail) {}

  private record Key(String operation, String source, String serial, int status, String reason) {
    String detail() {
      return operation + " from " + source + " status=" + status + ": " + reason;
    }
  }

  private final long windowNanos;
  private final LongSupplier nanoTime;
  private final Map<Key, long[]> repeats = new LinkedHashMap<>();
  private long windowStart;
  private boolean open;

  RefusalAudit(java.time.Duration window, LongSupplier nanoTime) {
    this.windowNanos = window.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Counts one refusal.
   *
   * @return the entry to write now (the first of its key in this window), or null when it was
   *     counted into an entry {@link #due} writes later
   */
  synchronized Entry refused(String operation, String source, String serial, int status, String reason) {
    long now = nanoTime.getAsLong();
    if (!open) {
      open = true;
      windowStart = now;
    }
    Key key = new Key(operation, source, serial, status, reason);
    if (!repeats.containsKey(key) && repeats.size() >= MAX_KEYS) {
      key = new Key(operation, "*", "-", 0, "refusals of more than " + MAX_KEYS
          + " distinct sources or reasons in one window (each logged at WARN)");
    }
    long[] count = repeats.get(key);
    if (count == null) {
      repeats.put(key, new long[] {0});
      return new Entry(key.serial(), key.detail());
    }
    count[0]++;
    return null;
  }

  /**
   * The count entries of a window that has ended ({@code all}: of the current one too, at
   * shutdown); the next refusal opens a new window.
   */
  synchronized List<Entry> due(boolean all) {
    if (!open || !all && nanoTime.getAsLong() - windowStart < windowNanos) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    long seconds = Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(windowNanos));
    repeats.forEach((key, count) -> {
      if (count[0] > 0) {
        entries.add(new Entry(key.serial(), "repeated " + count[0] + " more time(s) within " + seconds
            + " s after the first: " + key.detail()));
      }
    });
    repeats.clear();
    open = false;
    return entries;
  }
}
