package io.gatehouse.transport.auth.audit;

import io.gatehouse.transport.auth.Principal;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Arrays;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The audit writer thread's line buffer: a batch of events is written as JSON lines into one
 * reused character buffer ({@link #text()}, line ends in {@link #end}), which {@link RollingFile}
 * encodes straight into its write buffer. It also keeps what repeats from one event to the next
 * (the timestamp text of the current second, the last principal's sorted roles, the last remote
 * address's text), so a line costs no copies beyond the JSON itself. One thread only.
 */
final class AuditLines {
  /** Past this many characters, a batch's buffer is not kept for the next batch. */
  private static final int RETAINED_CHARS = 256 * 1024;

  /**
   * One generator per batch writes its lines back to back as root-level values: no separator
   * between them (the file's newlines are added when encoding), otherwise the defaults of
   * {@link AuditEvent#JSON}, so each line is what a generator of its own would write.
   */
  private static final JsonFactory LINES = JsonFactory.builder().rootValueSeparator((String) null).build();

  private final Chars chars = new Chars();
  private JsonGenerator generator; // this batch's, created by the first add
  private int[] ends = new int[64];
  private int count;

  private long second = Long.MIN_VALUE;
  private String secondText; // "2026-12-01T23:44:04", Instant.toString of the second without "Z"
  private char[] timeChars = new char[40];
  private Principal rolesOf;
  private String[] sortedRoles;
  private InetAddress remoteAddress;
  private String remoteText;

  /** Forgets the previous batch's lines (not the caches). */
  void clear() {
    if (generator != null) {
      generator.close(); // returns its buffer; the next batch takes a new one
      generator = null;
    }
    if (chars.buf.length > RETAINED_CHARS) {
      chars.buf = new char[Chars.INITIAL];
    }
    chars.length = 0;
    count = 0;
  }

  /** Appends {@code event} as one line (without its newline). */
  void add(AuditEvent event) {
    int start = chars.length;
    if (generator == null) {
      generator = LINES.createGenerator(ObjectWriteContext.empty(), chars);
    }
    try {
      event.writeJson(generator, this);
      generator.flush(); // into chars, so the line's end is known
    } catch (RuntimeException e) {
      generator = null; // half an object: start the next line on a fresh generator
      chars.length = start;
      throw e;
    }
    if (count == ends.length) {
      ends = Arrays.copyOf(ends, count * 2);
    }
    ends[count++] = chars.length;
  }

  /** Lines added since {@link #clear}. */
  int count() {
    return count;
  }

  /** Where line {@code i} ends (exclusive) in {@link #text()}; it starts where line i-1 ended. */
  int end(int i) {
    return ends[i];
  }

  /** The lines, back to back. */
  CharSequence text() {
    return chars;
  }

  /** Line {@code i} as a string. */
  String line(int i) {
    int start = i == 0 ? 0 : ends[i - 1];
    return new String(chars.buf, start, ends[i] - start);
  }

  /** Exactly {@code time.toString()} (ISO-8601, fractional digits in groups of three). */
  String time(Instant time) {
    int n = fillTime(time);
    return new String(timeChars, 0, n);
  }

  /** Writes {@code name} with the value {@code time.toString()}, without a string for it. */
  void writeTime(JsonGenerator line, String name, Instant time) {
    line.writeName(name);
    int n = fillTime(time);
    line.writeString(timeChars, 0, n);
  }

  /** Puts {@code time.toString()} at the start of {@link #timeChars}; returns its length. */
  private int fillTime(Instant time) {
    long s = time.getEpochSecond();
    if (s != second) {
      String text = Instant.ofEpochSecond(s).toString(); // no fraction: ends in "Z"
      secondText = text.substring(0, text.length() - 1);
      second = s;
      if (secondText.length() + 11 > timeChars.length) {
        timeChars = new char[secondText.length() + 11];
      }
    }
    char[] out = timeChars;
    int n = secondText.length();
    secondText.getChars(0, n, out, 0);
    int nano = time.getNano();
    if (nano != 0) {
      out[n++] = '.';
      if (nano % 1_000_000 == 0) {
        n = digits(out, n, nano / 1_000_000, 100);
      } else if (nano % 1000 == 0) {
        n = digits(out, n, nano / 1000, 100_000);
      } else {
        n = digits(out, n, nano, 100_000_000);
      }
    }
    out[n++] = 'Z';
    return n;
  }

  private static int digits(char[] out, int at, int value, int highestDivisor) {
    for (int divisor = highestDivisor; divisor > 0; divisor /= 10) {
      out[at++] = (char) ('0' + value / divisor % 10);
    }
    return at;
  }

  /** The principal's roles, sorted (the same principal object follows itself from event to event). */
  String[] sortedRoles(Principal principal) {
    if (principal != rolesOf) {
      sortedRoles = principal.roles().stream().sorted().toArray(String[]::new);
      rolesOf = principal;
    }
    return sortedRoles;
  }

  /** {@link AuditEvent#remote}, remembered for the last address object (one per connection). */
  String remote(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      if (inet.getAddress() != remoteAddress) { // identity: an IPv6 scope is not part of equals
        remoteText = AuditEvent.remote(remote);
        remoteAddress = inet.getAddress();
      }
      return remoteText;
    }
    return AuditEvent.remote(remote);
  }

  /** A growable character buffer the JSON generator writes into; never closed for real. */
  private static final class Chars extends Writer implements CharSequence {
    static final int INITIAL = 8 * 1024;
    char[] buf = new char[INITIAL];
    int length;

    private void ensure(int more) {
      if (length + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }

    @Override
    public void write(char[] c, int off, int len) {
      ensure(len);
      System.arraycopy(c, off, buf, length, len);
      length += len;
    }

    @Override
    public void write(int c) {
      ensure(1);
      buf[length++] = (char) c;
    }

    @Override
    public void write(String s, int off, int len) {
      ensure(len);
      s.getChars(off, off + len, buf, length);
      length += len;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public int length() {
      return length;
    }

    @Override
    public char charAt(int index) {
      return buf[index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new String(buf, start, end - start);
    }

    @Override
    public String toString() {
      return new String(buf, 0, length);
    }
  }
}
