package io.gatehouse.transport.auth;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of an HTTP request that authentication looks at, free of any framework type: header
 * values, the client certificate chain the TLS handshake verified, and the remote address.
 *
 * <p>From Netty: {@code AuthRequest.of(request.headers()::getAll, verifiedChain, remoteAddress)}.
 */
public final class AuthRequest {
  /** All values of a header (name matched case-insensitively), empty when absent. */
  @FunctionalInterface
  public interface Headers {
    List<String> all(String name);
  }

  private final Headers headers;
  private final List<X509Certificate> peerCertificates;
  private final InetSocketAddress remoteAddress;

  private AuthRequest(
      Headers headers, List<X509Certificate> peerCertificates, InetSocketAddress remoteAddress) {
    this.headers = Objects.requireNonNull(headers, "headers");
    this.peerCertificates = List.copyOf(peerCertificates);
    this.remoteAddress = remoteAddress;
  }

  /**
   * A request view.
   *
   * @param headers header lookup returning every value of a repeated header
   * @param peerCertificates the client chain verified by TLS, leaf first; empty when the client
   *     sent no certificate
   * @param remoteAddress the peer, or null when unknown
   */
  public static AuthRequest of(
      Headers headers, List<X509Certificate> peerCertificates, InetSocketAddress remoteAddress) {
    return new AuthRequest(headers, peerCertificates, remoteAddress);
  }

  /** A builder, for callers that hold headers as plain name/value pairs. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every value of header {@code name}, in order; empty when absent. */
  public List<String> headers(String name) {
    List<String> values = headers.all(name);
    return values == null ? List.of() : values;
  }

  /** The verified client chain, leaf first; empty without a client certificate. */
  public List<X509Certificate> peerCertificates() {
    return peerCertificates;
  }

  /** The client (leaf) certificate, if the client sent one. */
  public Optional<X509Certificate> clientCertificate() {
    return peerCertificates.isEmpty() ? Optional.empty() : Optional.of(peerCertificates.get(0));
  }

  /** The peer address, or null when unknown. */
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** Builds an {@link AuthRequest} from name/value pairs. */
  public static final class Builder {
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private List<X509Certificate> chain = List.of();
    private InetSocketAddress remote;

    private Builder() {}

    /** Adds one value of a header; call again to repeat the header. */
    public Builder header(String name, String value) {
      headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      return this;
    }

    public Builder peerCertificates(List<X509Certificate> chain) {
      this.chain = List.copyOf(chain);
      return this;
    }

    public Builder remoteAddress(InetSocketAddress remote) {
      this.remote = remote;
      return this;
    }

    public AuthRequest build() {
      Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return new AuthRequest(name -> copy.getOrDefault(name, List.of()), chain, remote);
    }
  }
}
