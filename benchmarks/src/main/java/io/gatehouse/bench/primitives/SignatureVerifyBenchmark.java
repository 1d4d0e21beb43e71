package io.gatehouse.bench.primitives;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raw primitives every Gatehouse auth path is measured against: one signature verification
 * over a JWT-sized message, with nothing else around it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SignatureVerifyBenchmark {
  /** Algorithm and provider under test. */
  @Param({"RSA-2048/SunRsaSign", "RSA-PSS-2048/SunRsaSign", "ECDSA-P256/SunEC", "ECDSA-P256/BC", "Ed25519/SunEC", "Ed25519/BC"})
  public String primitive;

  /** A typical JWT signing input (header.payload), the message every baseline signs. */
  static final byte[] JWT_SIGNING_INPUT = ("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0."
      + "eyJpc3MiOiJodHRwczovL2NhLmdhdGVob3VzZS5sb2NhbCIsInN1YiI6ImJvYiIsImF1ZCI6Imh0dHBzOi8v"
      + "bG9jYWxob3N0Ojg0NDMvbWNwIiwicm9sZXMiOlsidmlld2VyIl0sImV4cCI6MTk5OTk5OTk5OX0")
      .getBytes(StandardCharsets.US_ASCII);

  private static final PSSParameterSpec PS256 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  private Signature verifier;
  private byte[] message;
  private byte[] signature;

  @Setup
  public void setUp() throws Exception {
    Provider bc = new BouncyCastleProvider();
    message = JWT_SIGNING_INPUT;
    String[] parts = primitive.split("/");
    KeyPair keys;
    String algorithm;
    switch (parts[0]) {
      case "RSA-2048" -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
        algorithm = "SHA256withRSA";
      }
      case "RSA-PSS-2048" -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
        algorithm = "RSASSA-PSS";
      }
      case "ECDSA-P256" -> {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        keys = g.generateKeyPair();
        algorithm = "SHA256withECDSA";
      }
      case "Ed25519" -> {
        keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        algorithm = "Ed25519";
      }
      default -> throw new IllegalArgumentException(primitive);
    }
    Signature signer = Signature.getInstance(algorithm);
    if (algorithm.equals("RSASSA-PSS")) { // PS256's parameters (RFC 7518 3.5)
      signer.setParameter(PS256);
    }
    signer.initSign(keys.getPrivate());
    signer.update(message);
    signature = signer.sign();
    verifier = parts[1].equals("BC")
        ? Signature.getInstance(algorithm, bc)
        : Signature.getInstance(algorithm, parts[1]);
    if (algorithm.equals("RSASSA-PSS")) {
      verifier.setParameter(PS256);
    }
    verifier.initVerify(keys.getPublic());
  }

  /** One signature verification. */
  @Benchmark
  public boolean verify() throws Exception {
    verifier.update(message);
    return verifier.verify(signature);
  }

}
