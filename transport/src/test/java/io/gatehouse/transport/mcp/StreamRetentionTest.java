package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.ObjectName;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kept-alive connection serves many request streams; a finished stream must not stay reachable
 * through the connection (it once did, through a listener left on the channel's close future:
 * ~0.7 KB per tools/call until the connection closed).
 */
class StreamRetentionTest {
  private static final int CALLS = 600;

  @TempDir Path dir;

  @Test
  void finishedStreamsAreNotRetainedByAKeptAliveConnection() throws Exception {
    TestPki pki = TestPki.create(dir, "retain");
    SSLContext tls = pki.clientContext(null);
    try (TestServer server = TestServer.start(TestServer.tlsConfig(pki));
        RawHttp raw = RawHttp.connect(tls, server.port())) {
      RawHttp.Response init = raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"));
      String session = init.header("Mcp-Session-Id");
      for (int id = 2; id < CALLS + 2; id++) {
        assertThat(raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session),
            "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"echo\",\"arguments\":{\"text\":\"x\"}}}")).readHead().status()).isEqualTo(200);
        assertThat(raw.readEvent()).contains("\"id\":" + id);
        while (raw.readChunk() != null) {
          // up to the stream's last chunk
        }
      }
      // The last stream's bookkeeping runs right after its final chunk is written (on the event
      // loop, concurrently with this read): polled for up to 30 s, not 2, for a loaded machine.
      for (int i = 0; i < 1_500 && server.transport.openStreamCount() > 0; i++) {
        Thread.sleep(20);
      }
      assertThat(server.transport.openStreamCount()).isZero();
      assertThat(liveInstances(SseStream.class.getName())).isLessThan(CALLS / 6);
    }
  }

  /** Live instances of {@code className} after a full GC (the JVM's GC.class_histogram). */
  private static long liveInstances(String className) throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    return histogram.lines().map(String::trim).filter(l -> l.endsWith(" " + className))
        .mapToLong(l -> Long.parseLong(l.split("\\s+")[1])).sum();
  }
}
