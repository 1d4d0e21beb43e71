package io.gatehouse.cli.connect;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.ca.issue.Renewer;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the bridge's certificate over EST simplereenroll (what {@code gatehouse renew} does) at
 * two thirds of each lifetime ({@link Renewer#renewAt}), replaces the files atomically, and hands
 * the new certificate to the bridge so new connections present it. Retries with backoff while
 * the CA is unreachable.
 */
final class CertificateRenewal implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewal.class);
  /** First retry delay after a failed renewal; doubles up to {@link #MAX_BACKOFF}. */
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);
  /** Longest wait between retries. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final String ca;
  private final X509Certificate root;
  private final Path certificateFile;
  private final Path keyFile;
  private final Consumer<X509Certificate> renewed;

  /**
   * @param ca the CA's HTTPS (EST) URL
   * @param root the root the CA must chain to (the last self-signed certificate of {@code --ca})
   * @param renewed called after the files hold the new certificate
   */
  CertificateRenewal(String ca, X509Certificate root, Path certificateFile, Path keyFile,
      Consumer<X509Certificate> renewed) {
    this.ca = ca;
    this.root = root;
    this.certificateFile = certificateFile;
    this.keyFile = keyFile;
    this.renewed = renewed;
  }

  /** The self-signed certificate of a CA bundle. */
  static X509Certificate root(Path bundle) throws CaException {
    for (X509Certificate certificate : PemFiles.readCertificates(bundle)) {
      if (certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
        return certificate;
      }
    }
    throw new CaException("--renew-from needs the root certificate in --ca " + bundle + "; there is none");
  }

  @Override
  public void run() {
    RandomGenerator random = RandomGenerator.getDefault();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        X509Certificate current = PemFiles.readCertificate(certificateFile);
        Instant at = Renewer.renewAt(current, random);
        LOG.info("next certificate renewal at {}", at);
        sleepUntil(at);
        Duration backoff = FIRST_BACKOFF;
        while (true) {
          try {
            renewOnce();
            break;
          } catch (EstClient.Refused refused) {
            LOG.error("the CA refused to renew the certificate: {}; no further renewal", refused.getMessage());
            return;
          } catch (CaException e) {
            Instant expiry = current.getNotAfter().toInstant();
            if (!Instant.now().isBefore(expiry)) {
              LOG.error("the certificate expired at {} without renewal ({}); enroll again", expiry, e.getMessage());
              return;
            }
            LOG.warn("renewal failed ({}); retrying in {} s", e.getMessage(), backoff.toSeconds());
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (CaException e) {
      LOG.error("certificate renewal stopped: {}", e.getMessage());
    }
  }

  /** One EST simplereenroll with the current key; the files are replaced and the bridge told. */
  X509Certificate renewOnce() throws CaException {
    List<X509Certificate> chain = PemFiles.readCertificates(certificateFile);
    X509Certificate current = chain.get(0);
    PrivateKey key = PemFiles.readKey(keyFile);
    if (!IssuerKey.belongTogether(key, current.getPublicKey())) {
      throw new CaException("the key file " + keyFile + " does not belong to " + certificateFile);
    }
    X509Certificate fresh = new EstClient(ca, root, EstClient.presenting(key, chain))
        .simpleReenroll(EstClient.reenrollCsr(current, new KeyPair(current.getPublicKey(), key)));
    List<X509Certificate> intermediates = new ArrayList<>(chain.subList(1, chain.size()));
    EstClient.checkIssued(fresh, current.getPublicKey(), intermediates, root, "the root of --ca");
    new LeafFiles(certificateFile, null, null).write(fresh, intermediates, null, null);
    LOG.info("renewed the certificate: serial {} valid until {}", fresh.getSerialNumber().toString(16),
        fresh.getNotAfter().toInstant());
    renewed.accept(fresh);
    return fresh;
  }

  private static void sleepUntil(Instant when) throws InterruptedException {
    Duration wait = Duration.between(Instant.now(), when);
    if (!wait.isNegative()) {
      Thread.sleep(wait.toMillis());
    }
  }
}
