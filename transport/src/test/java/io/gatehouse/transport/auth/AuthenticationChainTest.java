package io.gatehouse.transport.auth;

import io.gatehouse.testing.TestCerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.ReloadingApiKeys;
import io.gatehouse.transport.auth.cert.ClientCertificateAuthenticator;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain with real authenticators: order, first-found-decides, no fall-through. */
class AuthenticationChainTest {
  @TempDir Path dir;

  @Test
  void ordersMethodsAndNeverFallsThroughOnABadCredential() throws Exception {
    ApiKeyStore store = ApiKeyStore.open(dir.resolve("apikeys.json"));
    String key = store.create("tool", List.of("viewer")).key();
    ApiKeyAuthenticator apiKeys = new ApiKeyAuthenticator(ReloadingApiKeys.watch(store.file()));
    ClientCertificateAuthenticator certs = ClientCertificateAuthenticator.builder().build();
    AuthenticationChain chain = AuthenticationChain.of(apiKeys, certs);
    assertThat(chain.methods()).containsExactly(AuthMethod.CERTIFICATE, AuthMethod.API_KEY);
    assertThat(chain.hasFallback()).isTrue();
    assertThat(AuthenticationChain.of(certs).hasFallback()).isFalse();

    // Nothing presented: not present (401 without error).
    assertThat(chain.authenticate(AuthRequest.builder().build())).isInstanceOf(AuthResult.NotPresent.class);
    // Good certificate decides even with an API key present.
    AuthResult both = chain.authenticate(request(TestCerts.client(), key));
    assertThat(((AuthResult.Authenticated) both).principal().method()).isEqualTo(AuthMethod.CERTIFICATE);
    // No certificate: the API key is tried.
    AuthResult keyOnly = chain.authenticate(request(null, key));
    assertThat(((AuthResult.Authenticated) keyOnly).principal().method()).isEqualTo(AuthMethod.API_KEY);
    // An expired certificate is refused although a good API key is also present.
    TestCerts.Spec spec = new TestCerts.Spec();
    spec.notAfter = Instant.now().minus(Duration.ofHours(1));
    AuthResult expired = chain.authenticate(request(TestCerts.build(spec), key));
    assertThat(expired).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) expired).method()).isEqualTo(AuthMethod.CERTIFICATE);
  }

  @Test
  void failsClosedWhenAnAuthenticatorBreaks() {
    Authenticator broken = new Authenticator() {
      @Override
      public AuthMethod method() {
        return AuthMethod.JWT;
      }

      @Override
      public AuthResult authenticate(AuthRequest request) {
        throw new IllegalStateException("boom");
      }
    };
    AuthResult result = AuthenticationChain.of(broken).authenticate(AuthRequest.builder().build());
    assertThat(((AuthResult.Rejected) result).reason()).isEqualTo("internal error");
  }

  @Test
  void refusesDuplicateOrEmptyConfigurations() {
    ClientCertificateAuthenticator certs = ClientCertificateAuthenticator.builder().build();
    assertThatThrownBy(() -> AuthenticationChain.of(certs, certs)).hasMessageContaining("two");
    assertThatThrownBy(AuthenticationChain::of).hasMessageContaining("at least one");
  }

  private static AuthRequest request(X509Certificate cert, String apiKey) {
    return AuthRequest.builder()
        .peerCertificates(cert == null ? List.of() : List.of(cert))
        .header("X-API-Key", apiKey)
        .build();
  }
}
