package io.gatehouse.bench.auth;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.TempDirs;
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
final class CaFixture implements AutoCloseable {
  final Path dir = TempDirs.create("ca");
  final BenchPki pki = BenchPki.create(dir, KeyType.EC_P256);
  final CaService service;

  CaFixture() throws Exception {
    JwtSigningKey jwt = JwtSigningKey.loadOrCreate(pki.ca().layout(), pki.ca().config(), BenchPki.passphrase());
    service = CaService.start(pki.ca(), pki.issuerKey(), jwt,
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC());
  }

  /** The OCSP endpoint of the running service. */
  String ocspUrl() {
    return service.baseUrl() + "/ocsp";
  }

  @Override
  public void close() {
    service.close();
    pki.close();
    TempDirs.delete(dir);
  }
}
