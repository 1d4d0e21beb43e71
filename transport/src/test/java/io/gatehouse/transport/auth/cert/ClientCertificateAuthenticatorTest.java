package io.gatehouse.transport.auth.cert;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.testing.TestCerts;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Test;

class ClientCertificateAuthenticatorTest {
  private final ClientCertificateAuthenticator authenticator =
      ClientCertificateAuthenticator.builder().build();

  @Test
  void goodCertificateYieldsSpiffeIdRolesAndSerial() {
    X509Certificate cert = TestCerts.client();
    AuthResult result = authenticator.authenticate(request(cert));
    assertThat(result).isInstanceOf(AuthResult.Authenticated.class);
    Principal p = ((AuthResult.Authenticated) result).principal();
    assertThat(p.id()).isEqualTo("spiffe://gatehouse.local/client/alice");
    assertThat(p.roles()).containsExactlyInAnyOrder("viewer", "manager");
    assertThat(p.method()).isEqualTo(AuthMethod.CERTIFICATE);
    assertThat(p.credentialId()).isEqualTo(cert.getSerialNumber().toString(16));
  }

  @Test
  void noCertificateIsNotPresent() {
    assertThat(authenticator.authenticate(AuthRequest.builder().build()))
        .isInstanceOf(AuthResult.NotPresent.class);
  }

  @Test
  void certificateWithoutRolesHasNoRoles() {
    AuthResult result = authenticator.authenticate(request(cert(s -> s.rolesValue = null)));
    assertThat(((AuthResult.Authenticated) result).principal().roles()).isEmpty();
  }

  @Test
  void refusesCertificatesOutsideTheProfile() throws Exception {
    byte[] notUtf8 = new DERSequence(new org.bouncycastle.asn1.DERPrintableString("viewer")).getEncoded();
    byte[] badName = new DERSequence(new DERUTF8String("Not A Role")).getEncoded();
    assertRejected(cert(s -> s.clientAuth = false), "clientAuth");
    assertRejected(cert(s -> s.ca = true), "CA certificate");
    assertRejected(cert(s -> s.notAfter = Instant.now().minus(Duration.ofMinutes(5))), "expired");
    assertRejected(cert(s -> s.notBefore = Instant.now().plus(Duration.ofMinutes(5))), "not yet valid");
    assertRejected(cert(s -> s.rolesValue = notUtf8), "roles extension");
    assertRejected(cert(s -> s.rolesValue = badName), "invalid role name");
    assertRejected(cert(s -> s.rolesValue = new byte[] {0x30, (byte) 0x80}), "roles extension");
    assertRejected(cert(s -> s.uris = List.of()), "exactly one URI SAN");
    assertRejected(
        cert(s -> s.uris = List.of("spiffe://gatehouse.local/client/a", "spiffe://gatehouse.local/client/b")),
        "exactly one URI SAN");
    assertRejected(cert(s -> s.uris = List.of("https://example.com/alice")), "not a SPIFFE ID");
  }

  @Test
  void skewToleratesSlightlyExpiredButNoMore() {
    X509Certificate justExpired = cert(s -> s.notAfter = Instant.now().minusSeconds(20));
    assertThat(authenticator.authenticate(request(justExpired)))
        .isInstanceOf(AuthResult.Authenticated.class);
    ClientCertificateAuthenticator strict =
        ClientCertificateAuthenticator.builder().clockSkew(Duration.ZERO).build();
    assertThat(strict.authenticate(request(justExpired))).isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void trustDomainRestriction() {
    ClientCertificateAuthenticator restricted =
        ClientCertificateAuthenticator.builder().trustDomain("prod.example").build();
    AuthResult result = restricted.authenticate(request(TestCerts.client()));
    assertThat(result).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) result).reason()).contains("trust domain 'gatehouse.local'");
    X509Certificate prod = cert(s -> s.uris = List.of("spiffe://prod.example/client/bob"));
    assertThat(restricted.authenticate(request(prod))).isInstanceOf(AuthResult.Authenticated.class);
  }

  private void assertRejected(X509Certificate cert, String reason) {
    AuthResult result = authenticator.authenticate(request(cert));
    assertThat(result).isInstanceOf(AuthResult.Rejected.class);
    AuthResult.Rejected rejected = (AuthResult.Rejected) result;
    assertThat(rejected.reason()).contains(reason);
    assertThat(rejected.tokenPresented()).isFalse();
    assertThat(rejected.method()).isEqualTo(AuthMethod.CERTIFICATE);
  }

  private static X509Certificate cert(Consumer<TestCerts.Spec> change) {
    TestCerts.Spec spec = new TestCerts.Spec();
    change.accept(spec);
    return TestCerts.build(spec);
  }

  private static AuthRequest request(X509Certificate cert) {
    return AuthRequest.builder().peerCertificates(List.of(cert)).build();
  }
}
