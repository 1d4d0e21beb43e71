package io.gatehouse.transport.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * The one outbound HTTP client of the transport (OCSP, JWKS, issuer discovery): HTTP/1.1, no
 * redirects, a connect timeout, one deadline on the whole exchange (headers and body), a cap on
 * the body, and a scheme rule checked before any connection. So a slow, hostile or redirected
 * endpoint can neither hold a thread nor fill memory nor move the fetch elsewhere. Each caller
 * owns its limits; the rules are written here once.
 */
public final class BoundedFetcher {
  /** Which URL schemes a fetcher contacts. */
  public enum Schemes {
    /** Only https (JWKS and discovery by default). */
    HTTPS_ONLY,
    /**
     * http or https: OCSP, whose answers are signed and whose responders are plain http by
     * convention (RFC 5019), and JWKS only under {@code auth.jwt.insecurePlainHttpJwks}.
     */
    HTTP_OR_HTTPS
  }

  /** An answer: the status, the Content-Type if any, and the body (read only for status 200). */
  public record Response(int status, String contentType, byte[] body) {}

  private final String what;
  private final HttpClient client;
  private final Duration deadline;
  private final int maxBodyBytes;
  private final Schemes schemes;

  private BoundedFetcher(Builder b) {
    this.what = b.what;
    this.deadline = b.deadline;
    this.maxBodyBytes = b.maxBodyBytes;
    this.schemes = b.schemes;
    HttpClient.Builder http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(b.connectTimeout);
    if (b.sslContext != null) {
      http.sslContext(b.sslContext);
    }
    if (b.executor != null) {
      http.executor(b.executor);
    }
    this.client = http.build();
  }

  /**
   * A fetcher for {@code what} (a noun for messages, e.g. "OCSP response"), reading at most
   * {@code maxBodyBytes} and finishing within {@code deadline}.
   */
  public static Builder builder(String what, int maxBodyBytes, Duration connectTimeout, Duration deadline) {
    return new Builder(what, maxBodyBytes, connectTimeout, deadline);
  }

  /** The deadline of one whole exchange. */
  public Duration deadline() {
    return deadline;
  }

  /** A request builder for {@code url} with this fetcher's deadline on the headers. */
  public HttpRequest.Builder request(URI url) {
    return HttpRequest.newBuilder(url).timeout(deadline);
  }

  /**
   * Sends {@code request}. Completes with the answer (body read for 200 only, within the size
   * limit; other statuses come with an empty body, unread) or exceptionally with a {@link
   * FetchException}.
   */
  public CompletableFuture<Response> send(HttpRequest request) {
    try {
      checkScheme(request.uri());
      return client
          .sendAsync(request, info -> info.statusCode() == 200 ? new LimitedBody(maxBodyBytes, what) : new UnreadBody())
          .thenApply(r -> new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body()))
          .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .handle(
              (response, error) -> {
                if (error != null) {
                  throw new CompletionException(classify(error));
                }
                return response;
              });
    } catch (FetchException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new FetchException(FetchException.Kind.CLOSED, "fetcher is closed"));
    }
  }

  /** {@link #send} for callers that may block (JWKS retriever, discovery): never longer than the deadline. */
  public Response sendBlocking(HttpRequest request) throws IOException {
    CompletableFuture<Response> exchange = send(request);
    try {
      return exchange.get();
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " fetch interrupted");
    } catch (ExecutionException e) {
      throw classify(e);
    }
  }

  private void checkScheme(URI url) throws FetchException {
    String scheme = url.getScheme();
    boolean allowed =
        "https".equalsIgnoreCase(scheme)
            || (schemes == Schemes.HTTP_OR_HTTPS && "http".equalsIgnoreCase(scheme));
    if (!allowed) {
      throw new FetchException(FetchException.Kind.SCHEME_REFUSED,
          what + " URL must use " + (schemes == Schemes.HTTPS_ONLY ? "https" : "http or https"));
    }
  }

  /** The failure as a {@link FetchException}: timeouts, refused connections and oversize named. */
  private FetchException classify(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof FetchException f) {
      return f;
    }
    if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
      return new FetchException(FetchException.Kind.TIMEOUT, what + " fetch exceeded " + deadline.toMillis() + " ms");
    }
    if (e instanceof ConnectException) {
      return new FetchException(FetchException.Kind.UNREACHABLE, what + " endpoint unreachable");
    }
    if (e instanceof RejectedExecutionException || e instanceof CancellationException) {
      return new FetchException(FetchException.Kind.CLOSED, "fetcher is closed");
    }
    return new FetchException(FetchException.Kind.FAILED, what + " fetch failed (" + e.getClass().getSimpleName() + ")");
  }

  /** Settings of one {@link BoundedFetcher}. */
  public static final class Builder {
    private final String what;
    private final int maxBodyBytes;
    private final Duration connectTimeout;
    private final Duration deadline;
    private Schemes schemes = Schemes.HTTPS_ONLY;
    private SSLContext sslContext;
    private Executor executor;

    private Builder(String what, int maxBodyBytes, Duration connectTimeout, Duration deadline) {
      if (maxBodyBytes <= 0) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
      this.what = Objects.requireNonNull(what);
      this.maxBodyBytes = maxBodyBytes;
      this.connectTimeout = Objects.requireNonNull(connectTimeout);
      this.deadline = Objects.requireNonNull(deadline);
    }

    /** The allowed URL schemes; default {@link Schemes#HTTPS_ONLY}. */
    public Builder schemes(Schemes schemes) {
      this.schemes = Objects.requireNonNull(schemes);
      return this;
    }

    /** TLS trust for https (null: the JDK trust store). */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = sslContext;
      return this;
    }

    /** Threads for the client's callbacks (null: the JDK client's own). */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    public BoundedFetcher build() {
      return new BoundedFetcher(this);
    }
  }

  /** Collects the body, giving up as soon as it exceeds the limit. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final int max;
    private final String what;
    private Flow.Subscription subscription;

    LimitedBody(int max, String what) {
      this.max = max;
      this.what = what;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (out.size() + buffer.remaining() > max) {
          subscription.cancel();
          body.completeExceptionally(
              new FetchException(FetchException.Kind.TOO_LARGE, what + " larger than " + max + " bytes"));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(out.toByteArray());
    }
  }

  /** For a status other than 200: the body is not read at all, the connection is dropped. */
  private static final class UnreadBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
      body.complete(new byte[0]);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {
      body.complete(new byte[0]);
    }

    @Override
    public void onComplete() {
      body.complete(new byte[0]);
    }
  }
}
