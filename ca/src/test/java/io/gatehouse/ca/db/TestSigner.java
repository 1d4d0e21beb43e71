package io.gatehouse.ca.db;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** A P-256 key standing in for the CA's issuing key: signs chain heads and verifies them. */
final class TestSigner implements AuditSigner {
  private final KeyPair pair;

  TestSigner() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String actor() {
    return "tester (passphrase)";
  }

  @Override
  public byte[] sign(byte[] message) {
    try {
      Signature signature = Signature.getInstance("SHA256withECDSA");
      signature.initSign(pair.getPrivate());
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  HeadVerifier verifier() {
    return (message, sig) -> {
      try {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initVerify(pair.getPublic());
        signature.update(message);
        return signature.verify(sig);
      } catch (GeneralSecurityException e) {
        return false;
      }
    };
  }
}
