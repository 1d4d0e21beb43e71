package io.gatehouse.transport.auth;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured authenticators, tried in the fixed order {@link #ORDER}: client certificate,
 * then bearer JWT, then API key. The first authenticator that finds its kind of credential
 * decides; a bad credential is a rejection, never a fall-through to the next method.
 *
 * <p>Synchronous and CPU-bound like its authenticators: run it off the event loop.
 */
public final class AuthenticationChain {
  /** The one place the order of methods is written down. */
  public static final List<AuthMethod> ORDER =
      List.of(AuthMethod.CERTIFICATE, AuthMethod.JWT, AuthMethod.API_KEY);

  private static final Logger log = LoggerFactory.getLogger(AuthenticationChain.class);

  private final List<Authenticator> authenticators;

  private AuthenticationChain(List<Authenticator> authenticators) {
    this.authenticators = List.copyOf(authenticators);
  }

  /**
   * A chain of the given authenticators, at most one per method, put in {@link #ORDER} whatever
   * order they are passed in.
   */
  public static AuthenticationChain of(Authenticator... authenticators) {
    Map<AuthMethod, Authenticator> byMethod = new EnumMap<>(AuthMethod.class);
    for (Authenticator a : authenticators) {
      if (!ORDER.contains(a.method())) {
        throw new IllegalArgumentException("not an authentication method: " + a.method());
      }
      if (byMethod.put(a.method(), a) != null) {
        throw new IllegalArgumentException("two authenticators for " + a.method());
      }
    }
    if (byMethod.isEmpty()) {
      throw new IllegalArgumentException("at least one authenticator is required");
    }
    List<Authenticator> ordered = new ArrayList<>();
    ORDER.forEach(m -> {
      if (byMethod.containsKey(m)) {
        ordered.add(byMethod.get(m));
      }
    });
    return new AuthenticationChain(ordered);
  }

  /** The configured methods, in the order they are tried. */
  public List<AuthMethod> methods() {
    return authenticators.stream().map(Authenticator::method).toList();
  }

  /**
   * True when a request may arrive without a client certificate, i.e. TLS client authentication
   * should be OPTIONAL rather than REQUIRE.
   */
  public boolean hasFallback() {
    return authenticators.stream().anyMatch(a -> a.method() != AuthMethod.CERTIFICATE);
  }

  /**
   * Authenticates {@code request}: the first method that finds a credential decides. Returns
   * {@link AuthResult#notPresent()} when no method found one (a 401 without {@code error}). An
   * authenticator that fails unexpectedly rejects the request (fail closed).
   */
  public AuthResult authenticate(AuthRequest request) {
    for (Authenticator authenticator : authenticators) {
      AuthResult result;
      try {
        result = authenticator.authenticate(request);
      } catch (RuntimeException e) {
        log.error("{} authenticator failed; refusing the request", authenticator.method(), e);
        return AuthResult.rejected(authenticator.method(), "internal error");
      }
      if (!(result instanceof AuthResult.NotPresent)) {
        return result;
      }
    }
    return AuthResult.notPresent();
  }
}
