package io.gatehouse.transport.auth.jwt;

import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.accepted;
import static io.gatehouse.transport.auth.jwt.Tokens.claims;
import static io.gatehouse.transport.auth.jwt.Tokens.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One principal per identity: a token from the issuer declared as the local Gatehouse CA names the
 * same principal as the certificate with that SPIFFE ID; any other issuer, trust domain or subject
 * stays qualified by the issuer.
 */
class LocalCaPrincipalTest {
  private static final ECKey EC = Tokens.ecKey("k1");
  private static final String ALICE = "spiffe://gatehouse.local/client/alice";

  private static JwtAuthenticator authenticator(String localTrustDomain) throws IOException {
    JwtAuthenticator.Builder builder = JwtAuthenticator.builder()
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .keys(JwtKeys.of(new JWKSet(List.of(EC))));
    if (localTrustDomain != null) {
      builder.localCaTrustDomain(localTrustDomain);
    }
    return builder.build();
  }

  private static Principal principalFor(JwtAuthenticator authenticator, String subject) {
    return accepted(authenticator, sign(EC, claims(Instant.now()).subject(subject)
        .claim("roles", List.of("viewer")).build()));
  }

  @Test
  void theLocalCasTokenIsTheCertificatesPrincipal() throws IOException {
    Principal p = principalFor(authenticator("gatehouse.local"), ALICE);
    assertThat(p.id()).isEqualTo(ALICE);
    assertThat(p.method()).isEqualTo(AuthMethod.JWT);
  }

  @Test
  void withoutTheDeclarationTheIssuerQualifiesTheSubject() throws IOException {
    assertThat(principalFor(authenticator(null), ALICE).id()).isEqualTo(Tokens.ISSUER + "#" + ALICE);
  }

  @Test
  void anotherTrustDomainOrANonSpiffeSubjectStaysQualified() throws IOException {
    JwtAuthenticator local = authenticator("gatehouse.local");
    assertThat(principalFor(local, "spiffe://evil.example/client/alice").id())
        .isEqualTo(Tokens.ISSUER + "#spiffe://evil.example/client/alice");
    assertThat(principalFor(local, "alice").id()).isEqualTo(Tokens.ISSUER + "#alice");
    assertThat(principalFor(local, "spiffe://gatehouse.local/../client/alice").id())
        .startsWith(Tokens.ISSUER + "#");
  }
}
