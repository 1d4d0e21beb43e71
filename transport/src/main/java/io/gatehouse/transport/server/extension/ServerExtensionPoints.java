package io.gatehouse.transport.server.extension;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.ReadinessCheck;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;

/**
 * The parts of a server builder an extension such as the auth pipeline sets before start; the
 * server's builder implements it, so the extension does not depend on the server package.
 */
public interface ServerExtensionPoints {
  /** Adds {@code stage} at the end of {@code slot}. */
  ServerExtensionPoints stage(PipelineSlot slot, RequestStage stage);

  /** Verifies client certificates with what {@code trust} makes from {@code tls.trustBundle}. */
  ServerExtensionPoints clientTrustFromBundle(
      Function<List<X509Certificate>, TrustManagerFactory> trust);

  /** Tells {@code listener} the CA certificates of {@code tls.trustBundle} at start and on change. */
  ServerExtensionPoints onTrustBundleLoaded(Consumer<List<X509Certificate>> listener);

  /** Asks for client certificates in {@code mode}, whatever {@code tls.clientAuth} says. */
  ServerExtensionPoints clientAuth(TransportConfig.ClientAuthMode mode);

  /** Reports failed TLS handshakes to {@code observer}. */
  ServerExtensionPoints tlsHandshakeObserver(TlsHandshakeObserver observer);

  /** Adds {@code check} to what {@code GET /readyz} reports. */
  ServerExtensionPoints readiness(ReadinessCheck check);

  /** The MCP transport the server will serve. */
  NettyStreamableServerTransportProvider transport();
}
