package io.gatehouse.transport.cluster;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A JDK {@link HttpClient} that sends each request on a new connection (a fresh client per
 * request), for {@code HttpClientStreamableHttpTransport.Builder.clientBuilder}: a TCP balancer
 * picks a node per connection, so a pooled connection would pin the SDK client to one node.
 */
final class ConnectionPerRequestClient extends HttpClient {
  private final HttpClient.Builder builder;
  private final HttpClient template;

  private ConnectionPerRequestClient(HttpClient.Builder builder) {
    this.builder = builder;
    this.template = builder.build();
  }

  /** A builder whose {@code build()} gives a connection-per-request client. */
  static HttpClient.Builder builder() {
    HttpClient.Builder real = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
    return new HttpClient.Builder() {
      @Override public Builder cookieHandler(CookieHandler h) { real.cookieHandler(h); return this; }
      @Override public Builder connectTimeout(Duration d) { real.connectTimeout(d); return this; }
      @Override public Builder sslContext(SSLContext c) { real.sslContext(c); return this; }
      @Override public Builder sslParameters(SSLParameters p) { real.sslParameters(p); return this; }
      @Override public Builder executor(Executor e) { real.executor(e); return this; }
      @Override public Builder followRedirects(Redirect r) { real.followRedirects(r); return this; }
      @Override public Builder version(Version v) { return this; } // HTTP/1.1: one request per connection here
      @Override public Builder priority(int p) { real.priority(p); return this; }
      @Override public Builder proxy(ProxySelector p) { real.proxy(p); return this; }
      @Override public Builder authenticator(Authenticator a) { real.authenticator(a); return this; }
      @Override public HttpClient build() { return new ConnectionPerRequestClient(real); }
    };
  }

  @Override public Optional<CookieHandler> cookieHandler() { return template.cookieHandler(); }
  @Override public Optional<Duration> connectTimeout() { return template.connectTimeout(); }
  @Override public Redirect followRedirects() { return template.followRedirects(); }
  @Override public Optional<ProxySelector> proxy() { return template.proxy(); }
  @Override public SSLContext sslContext() { return template.sslContext(); }
  @Override public SSLParameters sslParameters() { return template.sslParameters(); }
  @Override public Optional<Authenticator> authenticator() { return template.authenticator(); }
  @Override public Version version() { return template.version(); }
  @Override public Optional<Executor> executor() { return template.executor(); }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return builder.build().send(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler) {
    return builder.build().sendAsync(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
    return builder.build().sendAsync(request, handler, push);
  }
}
