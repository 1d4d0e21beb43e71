package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * Fetches a JWK set with the JDK HTTP client: no redirects, a connect timeout, a deadline on the
 * whole exchange (headers and body) and a cap on the body size, so a slow or hostile endpoint
 * can neither hold a thread nor fill memory. Only {@code https} URLs, unless plain http was
 * explicitly allowed ({@code insecurePlainHttpJwks}): a second line behind {@link JwtKeys}'s check.
 */
final class JdkHttpRetriever implements ResourceRetriever {
  static final int MAX_BYTES = 256 * 1024;

  private final HttpClient client;
  private final Duration deadline;
  private final boolean allowPlainHttp;

  JdkHttpRetriever(Duration connectTimeout, Duration deadline, SSLContext sslContext,
      boolean allowPlainHttp) {
    this.allowPlainHttp = allowPlainHttp;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER);
    if (sslContext != null) {
      builder.sslContext(sslContext);
    }
    this.client = builder.build();
    this.deadline = deadline;
  }

  @Override
  public Resource retrieveResource(URL url) throws IOException {
    if (!"https".equalsIgnoreCase(url.getProtocol()) && !allowPlainHttp) {
      throw new IOException("JWKS URL must use https");
    }
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(url.toURI())
              .timeout(deadline)
              .header("Accept", "application/jwk-set+json, application/json")
              .GET()
              .build();
    } catch (URISyntaxException e) {
      throw new IOException("invalid JWKS URL", e);
    }
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> new LimitedBody());
    try {
      HttpResponse<byte[]> response = exchange.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (response.statusCode() != 200) {
        throw new IOException("JWKS endpoint answered HTTP " + response.statusCode());
      }
      return new Resource(
          new String(response.body(), StandardCharsets.UTF_8),
          response.headers().firstValue("Content-Type").orElse(null));
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new IOException("JWKS fetch exceeded " + deadline.toMillis() + " ms");
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("JWKS fetch interrupted");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /** Collects the body, giving up as soon as it exceeds {@link #MAX_BYTES}. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

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
      for (ByteBuffer buffer : buffers) {
        if (out.size() + buffer.remaining() > MAX_BYTES) {
          subscription.cancel();
          body.completeExceptionally(new IOException("JWKS document larger than " + MAX_BYTES));
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
}
