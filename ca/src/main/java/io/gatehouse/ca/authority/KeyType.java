package io.gatehouse.ca.authority;

import io.gatehouse.ca.InvalidRequestException;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Key;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The key types Gatehouse generates and accepts, named as on the command line. */
public enum KeyType {
  EC_P256("ec-p256", "SHA256withECDSA"),
  RSA_2048("rsa-2048", "SHA256withRSA"),
  RSA_3072("rsa-3072", "SHA256withRSA"),
  ED25519("ed25519", "Ed25519");

  private static final ECParameterSpec P256 = p256();

  private final String cliName;
  private final String signatureAlgorithm;

  KeyType(String cliName, String signatureAlgorithm) {
    this.cliName = cliName;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** The name used by {@code --key-type} and in {@code ca.json}. */
  public String cliName() {
    return cliName;
  }

  /** The JCA signature algorithm a key of this type signs certificates and CRLs with. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** True for RSA keys (which also need keyEncipherment on TLS server certificates). */
  public boolean isRsa() {
    return this == RSA_2048 || this == RSA_3072;
  }

  /** Generates a fresh key pair of this type. */
  public KeyPair generate() {
    try {
      KeyPairGenerator generator;
      switch (this) {
        case EC_P256 -> {
          generator = KeyPairGenerator.getInstance("EC", Crypto.BC);
          generator.initialize(new ECGenParameterSpec("secp256r1"), Crypto.random());
        }
        case RSA_2048, RSA_3072 -> {
          generator = KeyPairGenerator.getInstance("RSA", Crypto.BC);
          generator.initialize(this == RSA_2048 ? 2048 : 3072, Crypto.random());
        }
        default -> generator = KeyPairGenerator.getInstance("Ed25519", Crypto.BC);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("key generation unavailable for " + cliName, e);
    }
  }

  /** Parses a {@code --key-type} value. */
  public static KeyType parse(String name) throws InvalidRequestException {
    for (KeyType type : values()) {
      if (type.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return type;
      }
    }
    throw new InvalidRequestException("unknown key type '" + name + "': use one of " + names());
  }

  /**
   * The type of an existing key (a CSR's public key, a CA key), refusing anything Gatehouse does
   * not issue for: other curves, RSA below 2048 bits, DSA.
   */
  public static KeyType of(Key key) throws InvalidRequestException {
    String algorithm = key.getAlgorithm();
    if (key instanceof RSAKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits == 2048) {
        return RSA_2048;
      }
      if (bits == 3072) {
        return RSA_3072;
      }
      throw new InvalidRequestException("RSA keys must be 2048 or 3072 bits, got " + bits);
    }
    if (key instanceof ECKey ec) {
      if (P256.getCurve().equals(ec.getParams().getCurve())
          && P256.getOrder().equals(ec.getParams().getOrder())) {
        return EC_P256;
      }
      throw new InvalidRequestException("EC keys must be on curve P-256");
    }
    if ("Ed25519".equalsIgnoreCase(algorithm) || "EdDSA".equalsIgnoreCase(algorithm)) {
      return ED25519;
    }
    throw new InvalidRequestException("unsupported key algorithm " + algorithm + ": use " + names());
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** All names, for help and error messages. */
  public static String names() {
    return Arrays.stream(values()).map(KeyType::cliName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
