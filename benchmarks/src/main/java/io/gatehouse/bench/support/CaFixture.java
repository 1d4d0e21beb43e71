package io.gatehouse.bench.support;

import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A real Gatehouse CA in a temp directory with {@code ca serve} running on a loopback port: the
 * OCSP responder the revocation checker asks, exactly as in production.
 */
public final class CaFixture implements AutoCloseable {
  private final Path dir = TempDirs.create("ca");
  private final BenchPki pki = BenchPki.create(dir, KeyType.EC_P256);
  private final CaService service;

  /** Creates the CA and starts serving it. */
  public CaFixture() throws Exception {
    JwtSigningKey jwt = JwtSigningKey.loadOrCreate(pki.ca().layout(), pki.ca().config(), BenchPki.passphrase());
    service = CaService.start(pki.ca(), pki.issuerKey(), jwt,
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC());
  }

  /** The CA. */
  public BenchPki pki() {
    return pki;
  }

  /** The OCSP endpoint of the running service. */
  public String ocspUrl() {
    return service.baseUrl() + "/ocsp";
  }

  @Override
  public void close() {
    service.close();
    pki.close();
    TempDirs.delete(dir);
  }
}
