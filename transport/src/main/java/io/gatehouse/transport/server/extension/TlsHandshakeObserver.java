package io.gatehouse.transport.server.extension;

/**
 * Told about every failed TLS handshake (a client certificate refused by the trust manager, no
 * certificate under REQUIRE, a timeout, a protocol error), e.g. to count failures by cause. Called
 * on the connection's event loop: must be quick and must not block.
 */
@FunctionalInterface
public interface TlsHandshakeObserver {
  /** The handshake of the connection from {@code remote} failed with {@code cause}. */
  void handshakeFailed(java.net.SocketAddress remote, Throwable cause);
}
