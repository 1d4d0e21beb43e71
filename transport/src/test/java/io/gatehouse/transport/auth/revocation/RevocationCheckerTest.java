package io.gatehouse.transport.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.revocation.RevocationDecision.Status;
import io.gatehouse.transport.auth.revocation.TestOcspResponder.Mode;
import io.gatehouse.testing.MutableClock;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RevocationCheckerTest {
  private final TestPki pki = new TestPki("Test CA");
  private final MutableClock clock = new MutableClock(Instant.now());
  private TestOcspResponder responder;
  private X509Certificate leaf;
  private RevocationChecker checker;

  @BeforeEach
  void start() throws Exception {
    responder = new TestOcspResponder(pki, clock);
    leaf = pki.leaf(responder.url());
  }

  @AfterEach
  void stop() {
    responder.close();
    if (checker != null) {
      checker.close();
    }
  }

  private RevocationChecker checker(RevocationPolicy policy) {
    checker =
        RevocationChecker.builder()
            .policy(policy)
            .clock(clock)
            .maxCacheTtl(Duration.ofMinutes(3))
            .build(); // default request timeout: a loaded CI machine must not turn a good answer into a timeout
    return checker;
  }

  private RevocationDecision check(RevocationChecker c, X509Certificate cert) throws Exception {
    return c.check(cert, pki.ca).get(10, TimeUnit.SECONDS);
  }

  @Test
  void goodAnswerIsAdmittedAndServedFromTheCache() throws Exception {
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    RevocationTarget target = c.target(leaf, pki.ca);
    assertThat(c.cachedDecision(target)).isEmpty();

    RevocationDecision first = c.check(target).get(10, TimeUnit.SECONDS);
    assertThat(first.status()).isEqualTo(Status.GOOD);
    assertThat(first.admitted()).isTrue();
    assertThat(first.isWarning()).isFalse();

    assertThat(c.cachedDecision(target)).contains(first);
    assertThat(check(c, leaf).status()).isEqualTo(Status.GOOD);
    // A target prepared again for the same certificate (a new connection) hits the same entry.
    assertThat(c.cachedDecision(c.target(leaf, pki.ca))).contains(first);
    assertThat(responder.hits.get()).isEqualTo(1);
  }

  @Test
  void revokedIsRefusedWithItsReasonEvenWhenSoftFail() throws Exception {
    responder.revoke(leaf.getSerialNumber(), CRLReason.keyCompromise);
    for (RevocationPolicy policy : RevocationPolicy.values()) {
      RevocationDecision d = check(checker(policy), leaf);
      assertThat(d.status()).isEqualTo(Status.REVOKED);
      assertThat(d.admitted()).isFalse();
      assertThat(d.detail()).contains("keyCompromise");
      checker.close();
    }
  }

  @Test
  void unknownIsRefusedFailClosedAndAdmittedWithWarningSoftFail() throws Exception {
    responder.forget(leaf.getSerialNumber());
    RevocationDecision closed = check(checker(RevocationPolicy.FAIL_CLOSED), leaf);
    assertThat(closed.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(closed.admitted()).isFalse();
    assertThat(closed.detail()).contains("unknown");
    checker.close();

    RevocationDecision soft = check(checker(RevocationPolicy.SOFT_FAIL), leaf);
    assertThat(soft.admitted()).isTrue();
    assertThat(soft.isWarning()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"GARBAGE", "HTTP_500", "HUGE", "WRONG_KEY", "DELEGATED_WITHOUT_EKU", "STALE", "OTHER_SERIAL",
          "OTHER_ISSUER_KEY", "DELEGATED_BY_ANOTHER_CA"})
  void unusableAnswersAreRefusedFailClosedAndRememberedBriefly(Mode mode) throws Exception {
    responder.mode = mode;
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    RevocationTarget target = c.target(leaf, pki.ca);
    RevocationDecision d = c.check(target).get(10, TimeUnit.SECONDS);
    assertThat(d.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(d.admitted()).isFalse();

    // The failure is remembered for a few seconds: callers get it at once, the responder is spared.
    responder.mode = Mode.NORMAL;
    assertThat(c.cachedDecision(target)).contains(d);
    assertThat(c.check(target).get(10, TimeUnit.SECONDS)).isSameAs(d);
    assertThat(responder.hits.get()).isEqualTo(1);

    // Then the responder is asked again and, behaving now, admits.
    clock.advance(OcspAnswer.FAILURE_MEMORY.plusSeconds(1));
    assertThat(c.cachedDecision(target)).isEmpty();
    assertThat(c.check(target).get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
    assertThat(responder.hits.get()).isEqualTo(2);
  }

  @Test
  void reasonsAreSpecific() throws Exception {
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    assertThat(reasonFor(c, Mode.HTTP_500)).isEqualTo("OCSP responder answered HTTP 500");
    assertThat(reasonFor(c, Mode.WRONG_KEY)).contains("not signed by the issuer");
    assertThat(reasonFor(c, Mode.DELEGATED_WITHOUT_EKU)).contains("not signed by the issuer");
    assertThat(reasonFor(c, Mode.STALE)).contains("stale");
    assertThat(reasonFor(c, Mode.OTHER_SERIAL)).contains("does not cover this certificate");
    assertThat(reasonFor(c, Mode.GARBAGE)).isEqualTo("malformed OCSP response");
  }

  private String reasonFor(RevocationChecker c, Mode mode) throws Exception {
    responder.mode = mode;
    clock.advance(OcspAnswer.FAILURE_MEMORY.plusSeconds(1)); // forget the previous failure
    return check(c, leaf).detail();
  }

  @Test
  void delegatedResponderWithOcspSigningEkuIsAccepted() throws Exception {
    responder.mode = Mode.DELEGATED;
    assertThat(check(checker(RevocationPolicy.FAIL_CLOSED), leaf).status()).isEqualTo(Status.GOOD);
  }

  @Test
  void slowResponderTimesOut() throws Exception {
    responder.mode = Mode.SLOW; // answers after 3 s
    checker = RevocationChecker.builder().clock(clock).requestTimeout(Duration.ofMillis(1500)).build();
    RevocationDecision d = check(checker, leaf);
    assertThat(d.status()).isEqualTo(Status.UNAVAILABLE);
    assertThat(d.detail()).isEqualTo("OCSP responder timed out");
  }

  @Test
  void aStalledAnswerForOneCertificateDoesNotHoldUpOthers() throws Exception {
    RevocationChecker c = checker = RevocationChecker.builder().clock(clock).requestTimeout(Duration.ofSeconds(20)).build();
    X509Certificate other = pki.leaf(responder.url());
    responder.held.add(leaf.getSerialNumber());
    RevocationTarget stalled = c.target(leaf, pki.ca);
    CompletableFuture<RevocationDecision> pending = c.check(stalled);
    CompletableFuture<RevocationDecision> again = c.check(stalled);

    assertThat(check(c, other).status()).isEqualTo(Status.GOOD);
    assertThat(pending).isNotDone();
    assertThat(c.cachedDecision(stalled)).as("a pending check is not an answer").isEmpty();

    responder.release.countDown();
    assertThat(pending.get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
    assertThat(again.get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
    assertThat(responder.hits.get()).as("concurrent checks of one certificate share one request").isEqualTo(2);
  }

  @Test
  void responderDownFailsClosedOrSoftFails() throws Exception {
    responder.close();
    RevocationDecision closed = check(checker(RevocationPolicy.FAIL_CLOSED), leaf);
    assertThat(closed.admitted()).isFalse();
    assertThat(closed.detail()).isEqualTo("OCSP responder unreachable");
    checker.close();

    RevocationDecision soft = check(checker(RevocationPolicy.SOFT_FAIL), leaf);
    assertThat(soft.admitted()).isTrue();
    assertThat(soft.isWarning()).isTrue();
    assertThat(soft.detail()).isEqualTo("OCSP responder unreachable");
  }

  @Test
  void cachedGoodServesWhileResponderIsDownUntilItExpires() throws Exception {
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    RevocationTarget target = c.target(leaf, pki.ca);
    assertThat(c.check(target).get(10, TimeUnit.SECONDS).admitted()).isTrue();
    responder.close();

    clock.advance(Duration.ofMinutes(2).plusSeconds(30)); // past the refresh point, before expiry
    assertThat(c.cachedDecision(target).map(RevocationDecision::status)).contains(Status.GOOD);
    assertThat(c.check(target).get(10, TimeUnit.SECONDS).admitted()).isTrue();

    clock.advance(Duration.ofMinutes(1)); // past maxCacheTtl (3 min)
    assertThat(c.cachedDecision(target)).isEmpty();
    RevocationDecision d = c.check(target).get(10, TimeUnit.SECONDS);
    assertThat(d.admitted()).isFalse();
    assertThat(d.status()).isEqualTo(Status.UNAVAILABLE);
  }

  @Test
  void refreshAheadPicksUpARevocationWhileTheOldAnswerKeepsServing() throws Exception {
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    RevocationTarget target = c.target(leaf, pki.ca);
    c.check(target).get(10, TimeUnit.SECONDS);
    assertThat(responder.hits.get()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(1)); // before 2/3 of the 3 min lifetime: no refresh
    assertThat(c.cachedDecision(target)).isPresent();
    assertThat(responder.hits.get()).isEqualTo(1);

    responder.revoke(leaf.getSerialNumber(), CRLReason.superseded);
    clock.advance(Duration.ofMinutes(1).plusSeconds(30)); // past 2/3: the hit starts a refresh
    assertThat(c.cachedDecision(target).map(RevocationDecision::status)).contains(Status.GOOD);
    await(() -> c.cachedDecision(target).map(RevocationDecision::status).orElse(null) == Status.REVOKED);
    assertThat(responder.hits.get()).isEqualTo(2);
    assertThat(c.check(target).get(10, TimeUnit.SECONDS).admitted()).isFalse();
  }

  @Test
  void nonceIsSentAndRequiredWhenConfigured() throws Exception {
    checker =
        RevocationChecker.builder().useNonce(true).clock(clock).requestTimeout(Duration.ofSeconds(20)).build();
    assertThat(check(checker, leaf).status()).isEqualTo(Status.GOOD);
    responder.mode = Mode.NO_NONCE;
    X509Certificate other = pki.leaf(responder.url());
    RevocationDecision d = check(checker, other);
    assertThat(d.admitted()).isFalse();
    assertThat(d.detail()).contains("nonce");
  }

  @Test
  void responderComesFromOverrideOrAia() throws Exception {
    X509Certificate noAia = pki.leaf(null);
    RevocationDecision d = check(checker(RevocationPolicy.FAIL_CLOSED), noAia);
    assertThat(d.admitted()).isFalse();
    assertThat(d.detail()).contains("names no OCSP responder");
    checker.close();

    checker = RevocationChecker.builder().responderUrl(URI.create(responder.url())).clock(clock).build();
    assertThat(check(checker, noAia).status()).isEqualTo(Status.GOOD);
  }

  @Test
  void wrongIssuerIsAProgrammingError() {
    TestPki other = new TestPki("Other CA");
    assertThatThrownBy(() -> checker(RevocationPolicy.FAIL_CLOSED).target(leaf, other.ca))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RevocationChecker.builder().responderUrl(URI.create("ldap://x/")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anIssuerWithTheRightNameButAnotherKeyIsRefused() {
    // The forged-intermediate attack at this level: same subject name, the attacker's key.
    TestPki lookAlike = new TestPki("Test CA");
    assertThat(lookAlike.ca.getSubjectX500Principal()).isEqualTo(pki.ca.getSubjectX500Principal());
    assertThatThrownBy(() -> checker(RevocationPolicy.SOFT_FAIL).target(leaf, lookAlike.ca))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aClosedCheckerRefusesInsteadOfThrowing() throws Exception {
    RevocationChecker c = checker(RevocationPolicy.FAIL_CLOSED);
    c.close();
    RevocationDecision d = check(c, leaf);
    assertThat(d.admitted()).isFalse();
    assertThat(d.detail()).isEqualTo("revocation checker is closed");
    assertThat(responder.hits.get()).isZero();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
