package io.gatehouse.bench.ca;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.ca.authority.KeyType;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Certificate issuance by the Gatehouse CA: a client certificate built, signed with the CA key
 * and committed to the SQLite store (with its audit-chain entry), as {@code ca issue} / {@code ca
 * sign} do minus key generation and file writes. The CA and leaf key share the key type.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class IssueBenchmark {
  @Param({"EC_P256", "RSA_2048"})
  public String keyType;

  private BenchPki pki;
  private PublicKey leafKey;

  @Setup
  public void setUp() {
    KeyType type = KeyType.valueOf(keyType);
    pki = BenchPki.shared(type);
    leafKey = type.generate().getPublic();
  }

  /** One client certificate signed and stored. */
  @Benchmark
  public X509Certificate issueClient() throws Exception {
    return pki.issuer().issueClient("bench", null, List.of("viewer"), null, leafKey);
  }
}
