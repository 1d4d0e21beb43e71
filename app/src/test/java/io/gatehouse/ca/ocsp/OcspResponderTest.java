package io.gatehouse.ca.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.RevocationReason;
import io.gatehouse.ca.db.SqliteCertificateStore;
import io.gatehouse.ca.issue.Issuer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure answers and cache consistency of the responder, without HTTP. */
class OcspResponderTest {
  @TempDir Path dir;

  @Test
  void storeFailureIsInternalErrorAndGarbageIsMalformed() throws Exception {
    assertThat(Cli.withPassphrase().ca(dir, "init").exit()).isZero();
    assertThat(Cli.withPassphrase().ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    X509Certificate alice = Certs.read(dir.resolve("clients/alice.crt")).get(0);
    try (CertificateAuthority ca = CertificateAuthority.open(dir)) {
      OcspSigner signer = OcspSigner.issue(new Issuer(ca, ca.unlock(Cli.PASSPHRASE.toCharArray()), Clock.systemUTC()));
      SqliteCertificateStore broken = SqliteCertificateStore.open(dir.resolve("ca/ca.db"));
      broken.close(); // every query now fails
      OcspResponder responder = new OcspResponder(broken, ca.issuerCertificate(), signer,
          Duration.ofHours(1), Clock.systemUTC());
      byte[] request = new OCSPReqBuilder().addRequest(new CertificateID(
          new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          new JcaX509CertificateHolder(ca.issuerCertificate()), alice.getSerialNumber())).build().getEncoded();
      OcspAnswer answer = responder.respond(request);
      assertThat(new OCSPResp(answer.der()).getStatus()).isEqualTo(OCSPResp.INTERNAL_ERROR);
      assertThat(answer.cacheable()).isFalse();
      assertThat(new OCSPResp(responder.respond(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}).der()).getStatus())
          .isEqualTo(OCSPResp.MALFORMED_REQUEST);
      assertThat(new OCSPResp(responder.respond(new OCSPReqBuilder().build().getEncoded()).der()).getStatus())
          .as("a request for no certificate").isEqualTo(OCSPResp.MALFORMED_REQUEST);
    }
  }

  @Test
  void anAnswerSignedWhileARevocationLandsIsNeverServedFromTheCache() throws Exception {
    assertThat(Cli.withPassphrase().ca(dir, "init").exit()).isZero();
    assertThat(Cli.withPassphrase().ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    X509Certificate alice = Certs.read(dir.resolve("clients/alice.crt")).get(0);
    try (CertificateAuthority ca = CertificateAuthority.open(dir);
        SqliteCertificateStore real = SqliteCertificateStore.open(dir.resolve("ca/ca.db"))) {
      io.gatehouse.ca.authority.IssuerKey key = ca.unlock(Cli.PASSPHRASE.toCharArray());
      OcspSigner signer = OcspSigner.issue(new Issuer(ca, key, Clock.systemUTC()));
      real.attach(key.auditSigner("test (passphrase)")); // writing needs the CA key
      // The real store, with one interleaving forced: right after the responder has read alice's
      // status, the certificate is revoked and the responder told so (as ca serve's watcher does).
      AtomicReference<OcspResponder> responder = new AtomicReference<>();
      AtomicReference<Runnable> afterRead = new AtomicReference<>();
      CertificateStore racing = (CertificateStore) Proxy.newProxyInstance(
          getClass().getClassLoader(), new Class<?>[] {CertificateStore.class}, (proxy, method, args) -> {
            try {
              Object result = method.invoke(real, args);
              Runnable hook = method.getName().equals("find") ? afterRead.getAndSet(null) : null;
              if (hook != null) {
                hook.run();
              }
              return result;
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      responder.set(new OcspResponder(racing, ca.issuerCertificate(), signer, Duration.ofHours(1),
          Clock.systemUTC()));
      afterRead.set(() -> {
        try {
          real.revoke(alice.getSerialNumber(), RevocationReason.KEY_COMPROMISE, Instant.now());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        responder.get().invalidate();
      });
      byte[] request = new OCSPReqBuilder().addRequest(new CertificateID(
          new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          new JcaX509CertificateHolder(ca.issuerCertificate()), alice.getSerialNumber())).build().getEncoded();

      assertThat(status(responder.get().respond(request))).as("signed before the revocation").isNull();
      assertThat(status(responder.get().respond(request))).isInstanceOf(RevokedStatus.class);
    }
  }

  private static Object status(OcspAnswer answer) throws Exception {
    return ((BasicOCSPResp) new OCSPResp(answer.der()).getResponseObject()).getResponses()[0].getCertStatus();
  }
}
