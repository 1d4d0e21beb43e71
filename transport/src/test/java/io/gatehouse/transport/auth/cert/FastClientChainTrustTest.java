package io.gatehouse.transport.auth.cert;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testing.TestCerts;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * The BouncyCastle fast path of the client-chain check accepts a good chain by itself and leaves
 * every bad one to the JDK, which refuses it: the verdicts are the JDK's.
 */
class FastClientChainTrustTest {
  private final KeyPair rootKeys = TestCerts.ecKey();
  private final X509Certificate root =
      TestCerts.selfSigned("CN=fast root", rootKeys).ca().keyIdentifiers().build();
  private final FastClientChainTrust trust =
      (FastClientChainTrust) FastClientChainTrust.over(jdkPkix(root), List.of(root));

  @Test
  void goodChainIsAcceptedByBouncyCastleAlone() {
    X509Certificate leaf = leaf().build();
    assertTrue(trust.acceptedByBouncyCastle(new X509Certificate[] {leaf}));
    assertTrue(trust.acceptedByBouncyCastle(new X509Certificate[] {leaf, root}), "CA sent too");
    assertDoesNotThrow(() -> trust.checkClientTrusted(new X509Certificate[] {leaf}, "EC"));
  }

  @Test
  void goodChainThroughAnIntermediateIsAccepted() {
    KeyPair midKeys = TestCerts.ecKey();
    X509Certificate mid = TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=mid")
        .keys(midKeys).ca().keyIdentifiers().build();
    X509Certificate leaf = TestCerts.issuedBy(mid, midKeys.getPrivate()).subject("CN=alice")
        .leaf().clientAuth().keyIdentifiers().build();
    assertTrue(trust.acceptedByBouncyCastle(new X509Certificate[] {leaf, mid}));
  }

  @Test
  void leafFromAnotherCaWithTheSameNameIsRefused() {
    KeyPair impostorKeys = TestCerts.ecKey();
    X509Certificate impostor = TestCerts.selfSigned("CN=fast root", impostorKeys).ca().build();
    X509Certificate leaf = TestCerts.issuedBy(impostor, impostorKeys.getPrivate())
        .subject("CN=alice").leaf().clientAuth().build();
    refused(leaf);
  }

  @Test
  void expiredLeafIsRefused() {
    Instant now = Instant.now();
    refused(leaf().validity(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1))).build());
  }

  @Test
  void leafWithoutDigitalSignatureIsRefused() {
    refused(TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=alice")
        .keyUsage(KeyUsage.keyEncipherment).clientAuth().build());
  }

  @Test
  void leafForServersOnlyIsRefused() {
    refused(TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=alice").leaf().serverAuth()
        .build());
  }

  @Test
  void leafIssuedByANonCaIsRefused() {
    KeyPair aliceKeys = TestCerts.ecKey();
    X509Certificate alice = TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=alice")
        .keys(aliceKeys).leaf().clientAuth().build();
    X509Certificate mallory = TestCerts.issuedBy(alice, aliceKeys.getPrivate())
        .subject("CN=mallory").leaf().clientAuth().build();
    assertFalse(trust.acceptedByBouncyCastle(new X509Certificate[] {mallory, alice}));
    assertThrows(CertificateException.class,
        () -> trust.checkClientTrusted(new X509Certificate[] {mallory, alice}, "EC"));
  }

  @Test
  void emptyChainIsRefused() {
    assertFalse(trust.acceptedByBouncyCastle(new X509Certificate[0]));
    assertThrows(IllegalArgumentException.class,
        () -> trust.checkClientTrusted(new X509Certificate[0], "EC"));
  }

  private TestCerts leaf() {
    return TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=alice").leaf()
        .clientAuth().keyIdentifiers();
  }

  private void refused(X509Certificate leaf) {
    assertFalse(trust.acceptedByBouncyCastle(new X509Certificate[] {leaf}));
    assertThrows(CertificateException.class,
        () -> trust.checkClientTrusted(new X509Certificate[] {leaf}, "EC"));
  }

  private static X509ExtendedTrustManager jdkPkix(X509Certificate anchor) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("ca", anchor);
      TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
      pkix.init(store);
      for (TrustManager tm : pkix.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("no PKIX trust manager");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
