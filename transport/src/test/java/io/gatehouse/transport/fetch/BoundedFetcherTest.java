package io.gatehouse.transport.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The one outbound client's bounds, against a real JDK HTTP server on loopback. */
class BoundedFetcherTest {
  private static final int LIMIT = 1024;
  private final AtomicInteger hits = new AtomicInteger();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/ok", ex -> answer(ex, 200, new byte[LIMIT]));
    server.createContext("/big", ex -> answer(ex, 200, new byte[LIMIT + 1]));
    server.createContext("/error", ex -> answer(ex, 500, new byte[10 * LIMIT]));
    server.createContext("/redirect", ex -> {
      hits.incrementAndGet();
      ex.getResponseHeaders().add("Location", url("/ok").toString());
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    server.createContext("/trickle", ex -> {
      hits.incrementAndGet();
      ex.sendResponseHeaders(200, 0); // chunked: headers now, body byte by byte, for 20 s
      try (OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 200; i++) {
          out.write('x');
          out.flush();
          Thread.sleep(100);
        }
      } catch (InterruptedException | IOException e) {
        // client gave up
      }
    });
    server.start();
  }

  private void answer(com.sun.net.httpserver.HttpExchange ex, int status, byte[] body) throws IOException {
    hits.incrementAndGet();
    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    } catch (IOException e) {
      // client stopped reading
    }
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private static BoundedFetcher fetcher(BoundedFetcher.Schemes schemes) {
    return BoundedFetcher.builder("test document", LIMIT, Duration.ofSeconds(2), Duration.ofSeconds(1))
        .schemes(schemes).build();
  }

  private static BoundedFetcher.Response get(BoundedFetcher f, URI url) throws IOException {
    return f.sendBlocking(f.request(url).GET().build());
  }

  @Test
  void bodyUpToTheLimitIsRead() throws Exception {
    BoundedFetcher.Response r = get(fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS), url("/ok"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).hasSize(LIMIT);
    assertThat(r.contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void oneByteOverTheLimitIsRefused() {
    assertThatThrownBy(() -> get(fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS), url("/big")))
        .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE))
        .hasMessage("test document larger than 1024 bytes");
  }

  @Test
  void errorStatusComesBackWithoutReadingItsBody() throws Exception {
    BoundedFetcher.Response r = get(fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS), url("/error"));
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    BoundedFetcher.Response r = get(fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS), url("/redirect"));
    assertThat(r.status()).isEqualTo(302);
    assertThat(hits.get()).isEqualTo(1);
  }

  @Test
  void plainHttpIsRefusedBeforeConnectingUnlessAllowed() {
    assertThatThrownBy(() -> get(fetcher(BoundedFetcher.Schemes.HTTPS_ONLY), url("/ok")))
        .isInstanceOfSatisfying(FetchException.class,
            e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.SCHEME_REFUSED))
        .hasMessageContaining("must use https");
    assertThat(hits.get()).isZero();
  }

  @Test
  void theDeadlineCoversTheBodyNotOnlyTheHeaders() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> get(fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS), url("/trickle")))
        .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.TIMEOUT));
    // Cut at the 1 s deadline, far from the body's 20 s end; the slack is for a loaded machine
    // (2 s of it is thin there).
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aClosedPortIsUnreachable() throws Exception {
    BoundedFetcher f = fetcher(BoundedFetcher.Schemes.HTTP_OR_HTTPS);
    URI closed = url("/ok");
    server.stop(0);
    assertThatThrownBy(() -> get(f, closed))
        .isInstanceOfSatisfying(FetchException.class,
            e -> assertThat(e.kind()).isEqualTo(FetchException.Kind.UNREACHABLE));
  }
}
