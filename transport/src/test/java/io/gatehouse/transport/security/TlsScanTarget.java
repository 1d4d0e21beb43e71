package io.gatehouse.transport.security;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server {@code scripts/tls-scan.sh} points testssl.sh at: the real transport on loopback
 * with a server certificate from the real CA ({@code ca init --intermediate}, {@code ca issue
 * server}) and client certificates OPTIONAL against the CA chain (testssl.sh 3.0 cannot present a
 * client certificate; the protocol and cipher settings do not depend on the client-auth mode).
 *
 * <p>Usage: {@code TlsScanTarget <work dir> [jdk|openssl]}; writes the port to {@code <work
 * dir>/port} once listening and runs until killed.
 */
public final class TlsScanTarget {
  private TlsScanTarget() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    RealCa ca = RealCa.start(work.resolve("certs"));
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
            .withClientAuth(TransportConfig.ClientAuthMode.OPTIONAL, ca.chainPem())
            .withProvider(args.length > 1 && args[1].equals("openssl")
                ? TransportConfig.TlsProvider.OPENSSL : TransportConfig.TlsProvider.JDK));
    TestServer server = TestServer.start(config);
    Path port = work.resolve("port");
    Files.writeString(work.resolve("port.tmp"), Integer.toString(server.port()));
    Files.move(work.resolve("port.tmp"), port);
    System.out.println("listening on https://127.0.0.1:" + server.port());
    Thread.currentThread().join();
  }
}
