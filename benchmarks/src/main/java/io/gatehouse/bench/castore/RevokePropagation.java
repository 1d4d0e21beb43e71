package io.gatehouse.bench.castore;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.ca.CaException;
import io.gatehouse.ca.db.RevocationReason;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Time from a revocation committed through CA node A to node B answering {@code revoked} over
 * HTTP. Two {@code ca serve} services ({@link CaService}) run in this JVM on one store, each with
 * its own CA instance and store connections, as two nodes would; node A's store makes the
 * revocation (the write {@code ca revoke} does), and a client polls node B's {@code POST /ocsp}
 * every {@value #POLL_MILLIS} ms from the moment the revocation call returned. Before each
 * revocation node B has answered {@code good} for that certificate, so a stale pre-signed answer
 * is what it must drop. On PostgreSQL node B hears of the change by LISTEN/NOTIFY; on SQLite (both
 * nodes on one file, one host) by polling the file's change marker every {@value
 * CaService#WATCH_MILLIS} ms.
 */
public final class RevokePropagation {
  /** Pause between two OCSP polls of node B: the resolution of the measurement. */
  static final long POLL_MILLIS = 1;
  /** A revocation node B has not answered within this is counted as missed. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private RevokePropagation() {}

  /**
   * What was measured on one store.
   *
   * @param store the store
   * @param millis revoke-returned to revoked-on-B times, ascending, one per revocation seen
   * @param missed revocations node B did not answer {@code revoked} within {@link #TIMEOUT}
   * @param revokeCallMedianMillis median duration of the revocation call itself on node A
   */
  public record Result(StoreKind store, double[] millis, int missed, double revokeCallMedianMillis) {
    /** Revocations made. */
    public int revocations() {
      return millis.length + missed;
    }

    /** The nearest-rank percentile {@code q} (0..1] of the times seen, NaN when none. */
    public double percentile(double q) {
      if (millis.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(q * millis.length);
      return millis[Math.max(0, Math.min(millis.length, rank) - 1)];
    }

    /** The median (the mean of the two middle values for an even count), NaN when none. */
    public double median() {
      return median(millis);
    }

    static double median(double[] sorted) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int mid = sorted.length / 2;
      return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** The largest time seen, NaN when none. */
    public double max() {
      return millis.length == 0 ? Double.NaN : millis[millis.length - 1];
    }
  }

  /**
   * Opens the CA under {@code dir} twice (creating it on {@code storeUrl}, null for SQLite, if it is
   * not there yet), revokes {@code revocations} fresh certificates through node A and times node B.
   *
   * @param env the environment the nodes open the store with (the database password file)
   */
  public static Result measure(StoreKind store, Path dir, String storeUrl, Map<String, String> env,
      int revocations) throws Exception {
    BenchPki nodeA = BenchPki.openOrCreate(dir, StoreKind.KEY_TYPE, storeUrl, env);
    BenchPki nodeB = BenchPki.openOrCreate(dir, StoreKind.KEY_TYPE, storeUrl, env);
    List<BigInteger> serials = new ArrayList<>();
    for (int i = 0; i < revocations; i++) {
      serials.add(nodeA.issuer().issueClient("propagation-" + i, null, List.of("viewer"), null,
          StoreKind.KEY_TYPE.generate().getPublic()).getSerialNumber());
    }
    X509Certificate issuer = nodeA.ca().issuerCertificate();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try (CaService a = serve(nodeA); CaService b = serve(nodeB)) {
      URI ocspB = URI.create(b.baseUrl() + "/ocsp");
      List<Double> seen = new ArrayList<>();
      double[] calls = new double[revocations];
      int missed = 0;
      for (int i = 0; i < revocations; i++) {
        BigInteger serial = serials.get(i);
        byte[] request = request(issuer, serial);
        // Node B answers good first (and caches that answer): the revocation must displace it.
        long warm = System.nanoTime();
        BasicOCSPResp answer;
        while (status(answer = ask(http, ocspB, request), serial) != Status.GOOD) {
          if (System.nanoTime() - warm > TIMEOUT.toNanos()) {
            throw new IllegalStateException("node B on " + store.label() + " never answered good for "
                + serial.toString(16));
          }
          Thread.sleep(10);
        }
        requireSignedBy(answer, issuer);
        long before = System.nanoTime();
        nodeA.ca().store().revoke(serial, RevocationReason.KEY_COMPROMISE, Instant.now());
        long returned = System.nanoTime();
        calls[i] = (returned - before) / 1e6;
        long deadline = returned + TIMEOUT.toNanos();
        double took = Double.NaN;
        while (System.nanoTime() < deadline) {
          answer = ask(http, ocspB, request);
          if (status(answer, serial) == Status.REVOKED) {
            took = (System.nanoTime() - returned) / 1e6;
            requireSignedBy(answer, issuer); // checked after the clock stopped: it costs two verifies
            break;
          }
          Thread.sleep(POLL_MILLIS);
        }
        if (Double.isNaN(took)) {
          missed++;
        } else {
          seen.add(took);
        }
      }
      double[] millis = seen.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      Arrays.sort(calls);
      return new Result(store, millis, missed, Result.median(calls));
    } finally {
      nodeA.close();
      nodeB.close();
    }
  }

  private static CaService serve(BenchPki node) throws CaException {
    JwtSigningKey jwt = JwtSigningKey.loadOrCreate(node.ca().layout(), node.ca().config(), BenchPki.passphrase());
    return CaService.start(node.ca(), node.issuerKey(), jwt,
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC());
  }

  private static byte[] request(X509Certificate issuer, BigInteger serial) throws Exception {
    CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
        new JcaX509CertificateHolder(issuer), serial);
    return new OCSPReqBuilder().addRequest(id).build().getEncoded();
  }

  private enum Status { GOOD, REVOKED, OTHER }

  /** Node B's answer: the basic response of a successful OCSP response, else null (tryLater, an error status). */
  private static BasicOCSPResp ask(HttpClient http, URI ocsp, byte[] request)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(ocsp)
        .header("Content-Type", "application/ocsp-request")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      return null;
    }
    try {
      OCSPResp parsed = new OCSPResp(response.body());
      return parsed.getStatus() == OCSPResp.SUCCESSFUL ? (BasicOCSPResp) parsed.getResponseObject() : null;
    } catch (IOException | org.bouncycastle.cert.ocsp.OCSPException | RuntimeException e) {
      return null;
    }
  }

  /** The status the answer gives for {@code serial}; OTHER for no answer, unknown, or another serial. */
  private static Status status(BasicOCSPResp answer, BigInteger serial) {
    if (answer == null || answer.getResponses().length != 1
        || !answer.getResponses()[0].getCertID().getSerialNumber().equals(serial)) {
      return Status.OTHER;
    }
    SingleResp single = answer.getResponses()[0];
    return single.getCertStatus() == null ? Status.GOOD // BC: GOOD is null
        : single.getCertStatus() instanceof RevokedStatus ? Status.REVOKED : Status.OTHER;
  }

  /** Fails unless the answer is signed by a responder certificate the issuer signed. */
  private static void requireSignedBy(BasicOCSPResp answer, X509Certificate issuer) throws Exception {
    X509CertificateHolder responder = answer.getCerts().length == 0 ? null : answer.getCerts()[0];
    JcaContentVerifierProviderBuilder verifiers = new JcaContentVerifierProviderBuilder();
    if (responder == null || !responder.isSignatureValid(verifiers.build(issuer.getPublicKey()))
        || !answer.isSignatureValid(verifiers.build(responder))) {
      throw new IllegalStateException("node B's OCSP answer is not signed by a responder the CA certified");
    }
  }
}
