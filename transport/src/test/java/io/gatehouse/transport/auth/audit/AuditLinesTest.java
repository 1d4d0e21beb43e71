package io.gatehouse.transport.auth.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog.Decision;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonGenerator;

/**
 * The audit writer's cheap path (reused buffer, cached timestamp/roles/remote text, UTF-8 encoded
 * straight into the file buffer) writes exactly the bytes of the straightforward one: each line
 * {@link #reference} (the former {@code AuditEvent.toJson}: a fresh generator, {@code
 * Instant.toString}, roles sorted per event) plus a newline, encoded with {@code getBytes(UTF_8)}.
 */
class AuditLinesTest {
  @TempDir Path dir;

  /** The line as it was written before the writer thread's caches. */
  private static String reference(AuditEvent e) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator line = AuditEvent.JSON.createGenerator(out)) {
      line.writeStartObject();
      line.writeStringProperty("time", e.time().toString());
      line.writeStringProperty("event", e.kind());
      line.writeStringProperty("decision", e.decision().name().toLowerCase(Locale.ROOT));
      if (e.principal() != null) {
        line.writeStringProperty("principal", AuditEvent.text(e.principal().id()));
      }
      line.writeStringProperty("method", e.method().name().toLowerCase(Locale.ROOT));
      if (e.principal() != null) {
        line.writeArrayPropertyStart("roles");
        for (String role : e.principal().roles().stream().sorted().toList()) {
          line.writeString(role);
        }
        line.writeEndArray();
        if (!e.principal().credentialId().isEmpty()) {
          line.writeStringProperty(AuditEvent.credentialField(e.method()),
              AuditEvent.text(e.principal().credentialId()));
        }
      }
      if (e.tool() != null) {
        line.writeStringProperty("tool", AuditEvent.text(e.tool()));
      }
      if (e.resource() != null) {
        line.writeStringProperty("resource", AuditEvent.text(e.resource()));
      }
      if (e.reason() != null && !e.reason().isEmpty()) {
        line.writeStringProperty("reason", AuditEvent.text(e.reason()));
      }
      if (e.warning() != null && !e.warning().isEmpty()) {
        line.writeStringProperty("warning", AuditEvent.text(e.warning()));
      }
      line.writeStringProperty("remote", AuditEvent.remote(e.remote()));
      line.writeEndObject();
    }
    return out.toString();
  }

  @Test
  void generatedEventsAreWrittenByteForByteAsBefore() throws Exception {
    Random random = new Random(18);
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      events.add(randomEvent(random, events));
    }
    Path path = dir.resolve("audit.log");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    AuditLines lines = new AuditLines();
    try (RollingFile file = new RollingFile(path, 1L << 30, 1)) {
      // Batches of varying size through one AuditLines, as the writer thread uses it.
      for (int from = 0; from < events.size(); ) {
        int to = Math.min(events.size(), from + 1 + random.nextInt(40));
        lines.clear();
        for (AuditEvent e : events.subList(from, to)) {
          lines.add(e);
          String line = reference(e);
          if (!lines.line(lines.count() - 1).equals(line)) {
            assertThat(lines.line(lines.count() - 1)).isEqualTo(line);
          }
          expected.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        file.append(lines.text(), lines.count(), lines::end);
        from = to;
      }
    }
    assertThat(Files.readAllBytes(path)).isEqualTo(expected.toByteArray());
  }

  @Test
  void toJsonIsTheReferenceLine() {
    Random random = new Random(7);
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      AuditEvent e = randomEvent(random, events);
      events.add(e);
      assertThat(e.toJson()).isEqualTo(reference(e));
    }
  }

  @Test
  void timestampsAreInstantToString() {
    AuditLines lines = new AuditLines();
    Random random = new Random(3);
    List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 5),
        Instant.ofEpochSecond(253402300799L, 999_999_999), Instant.ofEpochSecond(253402300800L, 1_000),
        Instant.ofEpochSecond(-62167219200L, 0), Instant.ofEpochSecond(-62167219201L, 120_000_000),
        Instant.MIN, Instant.MAX, Instant.ofEpochSecond(1764633600L, 100)));
    for (int i = 0; i < 5_000; i++) {
      long second = switch (i % 4) {
        case 0 -> 1_700_000_000L + random.nextInt(100); // the same seconds again and again
        case 1 -> random.nextLong() % 400_000_000_000L;
        default -> 1_764_633_600L + random.nextInt(1_000_000);
      };
      int nano = switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1000;
        default -> random.nextInt(1_000_000_000);
      };
      instants.add(Instant.ofEpochSecond(second, nano));
    }
    for (Instant t : instants) {
      String time = lines.time(t);
      if (!time.equals(t.toString())) {
        assertThat(time).as("%s", t).isEqualTo(t.toString());
      }
    }
  }

  @Test
  void utf8EncodingIsGetBytesIncludingUnpairedSurrogates() {
    Random random = new Random(11);
    char[] alphabet = {'a', 'Z', '0', '"', '\\', '\n', '\u0000', '\u007f', '\u0080', '\u07ff',
        '\u0800', '\u00e9', '\u4e2d', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d',
        '\ude00'};
    for (int i = 0; i < 5_000; i++) {
      StringBuilder s = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        s.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String text = s.toString();
      RollingFile.Pending pending = new RollingFile.Pending();
      pending.encode(text, 0, text.length());
      byte[] expected = text.getBytes(StandardCharsets.UTF_8);
      java.nio.ByteBuffer written = pending.buffer();
      byte[] actual = new byte[written.remaining()];
      written.get(actual);
      if (!java.util.Arrays.equals(actual, expected)
          || RollingFile.Pending.length(text, 0, text.length()) != expected.length) {
        assertThat(actual).as("%s", text.chars().mapToObj(Integer::toHexString).toList())
            .isEqualTo(expected);
        assertThat(RollingFile.Pending.length(text, 0, text.length())).isEqualTo(expected.length);
      }
    }
  }

  private static AuditEvent randomEvent(Random random, List<AuditEvent> earlier) {
    if (!earlier.isEmpty() && random.nextInt(3) == 0) {
      // The same principal and remote objects again (the writer's caches), with a new time.
      AuditEvent e = earlier.get(random.nextInt(earlier.size()));
      return new AuditEvent(randomInstant(random), e.kind(), e.decision(), e.principal(), e.method(),
          e.tool(), e.resource(), e.remote(), e.reason(), e.warning());
    }
    AuthMethod method = AuthMethod.values()[random.nextInt(AuthMethod.values().length)];
    Principal principal = random.nextInt(5) == 0 ? null : new Principal(text(random),
        randomRoles(random), method, random.nextBoolean() ? "" : text(random));
    return new AuditEvent(randomInstant(random),
        List.of("authentication", "tool_call", "resource").get(random.nextInt(3)),
        Decision.values()[random.nextInt(2)], principal, method,
        random.nextBoolean() ? text(random) : null, random.nextBoolean() ? text(random) : null,
        remote(random), random.nextBoolean() ? text(random) : "",
        random.nextInt(4) == 0 ? text(random) : random.nextBoolean() ? "" : null);
  }

  private static Instant randomInstant(Random random) {
    long second = 1_764_633_600L + random.nextInt(5);
    return switch (random.nextInt(3)) {
      case 0 -> Instant.ofEpochSecond(second);
      case 1 -> Instant.ofEpochSecond(second, random.nextInt(1000) * 1000L);
      default -> Instant.ofEpochSecond(second, random.nextInt(1_000_000_000));
    };
  }

  private static Set<String> randomRoles(Random random) {
    Set<String> roles = new java.util.HashSet<>();
    for (int n = random.nextInt(5); n > 0; n--) {
      roles.add("role" + random.nextInt(30));
    }
    return roles;
  }

  private static SocketAddress remote(Random random) {
    try {
      return switch (random.nextInt(5)) {
        case 0 -> new InetSocketAddress("127.0.0.1", 1234);
        case 1 -> new InetSocketAddress(InetAddress.getByName("::1"), 443);
        case 2 -> InetSocketAddress.createUnresolved("client.example", 80);
        case 3 -> null;
        default -> new InetSocketAddress(InetAddress.getByAddress(
            new byte[] {10, (byte) random.nextInt(256), 0, 1}), 9);
      };
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Short or long, ASCII or not, with control characters, quotes and surrogates (paired or not). */
  private static String text(Random random) {
    String[] pieces = {"alice", "spiffe://gatehouse.local/client/x", "\"", "\\", "\n", "\r\n", "\t",
        "\u0000", "\u001f", "\u007f", "\u0085", "é", "中文", "\ud83d\ude00", "\ud800", "\udfff", " ",
        "tool.name_1-x", "</script>", "\u2028"};
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(10) == 0 ? 300 + random.nextInt(100) : random.nextInt(8);
    while (s.length() < n || s.length() == 0) {
      s.append(pieces[random.nextInt(pieces.length)]);
      if (n > 20) {
        s.append("x".repeat(random.nextInt(30)));
      }
    }
    return s.toString();
  }
}
