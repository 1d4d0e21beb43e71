package io.gatehouse.transport.auth.revocation;

import io.gatehouse.testing.TestCerts;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An in-memory CA for the OCSP tests: root, client leaves with AIA, delegated responders, all
 * built by {@link TestCerts}; serials count up so responders can be told apart.
 */
final class TestPki {
  static final java.security.Provider BC = io.gatehouse.pki.BouncyCastle.PROVIDER;

  final KeyPair caKeys = keyPair();
  final X509Certificate ca;
  private final AtomicLong serials = new AtomicLong(1000);

  TestPki(String name) {
    ca = valid(TestCerts.selfSigned("CN=" + name, caKeys)).serial(BigInteger.ONE).ca().build();
  }

  /** A client certificate whose AIA points at {@code ocspUrl} (none when null). */
  X509Certificate leaf(String ocspUrl) {
    TestCerts b = issue("CN=client", keyPair()).clientAuth();
    if (ocspUrl != null) {
      b.ocspUrl(ocspUrl);
    }
    return b.build();
  }

  /** A delegated responder certificate, with or without EKU id-kp-OCSPSigning. */
  X509Certificate responder(KeyPair keys, boolean ocspSigningEku) {
    TestCerts b = issue("CN=ocsp responder", keys);
    if (ocspSigningEku) {
      b.ocspSigning();
    }
    return b.build();
  }

  private TestCerts issue(String subject, KeyPair keys) {
    return valid(TestCerts.issuedBy(ca, caKeys.getPrivate())).subject(subject).keys(keys)
        .serial(BigInteger.valueOf(serials.incrementAndGet()));
  }

  private static TestCerts valid(TestCerts builder) {
    Instant now = Instant.now();
    return builder.validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
  }

  static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder("SHA256withECDSA").setProvider(BC).build(key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
