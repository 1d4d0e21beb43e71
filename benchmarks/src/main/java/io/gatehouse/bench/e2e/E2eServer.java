package io.gatehouse.bench.e2e;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import io.gatehouse.bench.support.GatehouseTarget;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * One e2e target in its own JVM, so its CPU time and heap are its own. Started by {@link
 * LoadHarness}; prints {@code READY <port>}, then answers commands on stdin, one per line:
 * {@code STATS} → {@code STATS <process cpu ns> <heap used bytes> <gc count> <gc ms>},
 * {@code HEAP} → full GC, then {@code HEAP <heap used bytes>}, {@code PROFILE <file>} → starts a
 * JFR recording ({@code profile} settings) into that file, {@code PROFILED} → stops it and writes
 * the file, {@code QUIT}.
 *
 * <p>Arguments: target name, server certificate PEM, server key PEM, trust bundle PEM, policy
 * file, OCSP responder URL, audit log file (the last three for the auth-on targets).
 */
public final class E2eServer {
  private E2eServer() {}

  public static void main(String[] args) throws Exception {
    Target target = Target.valueOf(args[0]);
    Path cert = Path.of(args[1]);
    Path key = Path.of(args[2]);
    Path trust = Path.of(args[3]);
    AutoCloseable server;
    int port;
    switch (target) {
      case SDK_JETTY, SDK_JETTY_MODERN -> {
        SSLContext tls = PemSslContexts.fromPem(trust, cert, key);
        SdkJettyTarget jetty = target == Target.SDK_JETTY ? SdkJettyTarget.legacy(tls) : SdkJettyTarget.modern(tls);
        server = jetty;
        port = jetty.port();
      }
      case GATEHOUSE_AUTH, GATEHOUSE_AUTH_REVOKED_FLOOD, GATEHOUSE_MODERN_AUTH -> {
        GatehouseTarget gatehouse = GatehouseTarget.withAuth(benchLimits(
            GatehouseTarget.config(cert, key, trust, TransportConfig.TlsProvider.JDK))
            .withAuth(auth(Path.of(args[4]), URI.create(args[5]), Path.of(args[6]))), target.modern());
        server = gatehouse;
        port = gatehouse.port();
      }
      default -> {
        TransportConfig.TlsProvider provider = target == Target.GATEHOUSE_PLAIN_OPENSSL
            ? TransportConfig.TlsProvider.OPENSSL : TransportConfig.TlsProvider.JDK;
        GatehouseTarget gatehouse = GatehouseTarget.withoutAuth(benchLimits(
            GatehouseTarget.config(cert, key, trust, provider)), target.modern());
        server = gatehouse;
        port = gatehouse.port();
      }
    }
    System.out.println("READY " + port);
    System.out.flush();
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Recording recording = null;
    for (String command = commands.readLine(); command != null && !command.equals("QUIT");
        command = commands.readLine()) {
      if (command.startsWith("PROFILE ")) {
        recording = new Recording(Configuration.getConfiguration("profile"));
        recording.setDestination(Path.of(command.substring("PROFILE ".length())));
        recording.start();
        System.out.println("PROFILE started");
      } else {
        switch (command) {
          case "STATS" -> System.out.println("STATS " + cpuNanos() + " " + heapUsed() + " " + gcCount() + " " + gcMillis());
          case "HEAP" -> System.out.println("HEAP " + heapAfterGc());
          case "PROFILED" -> {
            if (recording != null) {
              recording.stop();
              recording.close();
              recording = null;
            }
            System.out.println("PROFILED written");
          }
          default -> System.out.println("ERROR unknown command");
        }
      }
      System.out.flush();
    }
    server.close();
    System.exit(0);
  }

  /**
   * Production-shaped auth: client certificates only (trust domain pinned), OCSP fail-closed
   * against {@code ca serve}, the RBAC policy file, and the audit log written to a file.
   */
  static AuthConfig auth(Path policy, URI ocsp, Path auditLog) {
    return AuthConfig.defaults()
        .withMethods(new CertificateConfig(true, "gatehouse.local", null), JwtConfig.disabled(),
            new ApiKeyConfig(false, null))
        .withRevocation(new AuthConfig.Revocation(AuthConfig.RevocationMode.FAIL_CLOSED, ocsp,
            null, null, null, null, null))
        .withPolicy(policy)
        .withAudit(AuthConfig.Audit.toFile(auditLog));
  }

  /**
   * Gatehouse's limits with the per-principal session cap lifted: every benchmark client is the
   * same principal, and the memory measurement opens thousands of sessions.
   */
  static TransportConfig benchLimits(TransportConfig config) {
    return config.withLimits(config.limits().withSessions(100_000, 100_000, Duration.ofMinutes(30)));
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long gcCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return heapUsed();
  }
}
