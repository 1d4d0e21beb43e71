package io.gatehouse.ca.admin;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PresentedCertificates;
import io.gatehouse.ca.db.CertificateKind;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.RevocationReason;
import io.gatehouse.ca.db.StoreException;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.IdentityFormatException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/revoke} (docs/ca.md, "Revoking over the CA service"): revocation by a CA
 * administrator without the CA passphrase. The caller authenticates with a client certificate of
 * this CA over mutual TLS, checked like EST re-enrollment (issued by this CA, valid now, in the
 * store byte for byte, unrevoked), and must hold the {@value #ROLE} role in its roles extension.
 * The revocation is signed into the audit chain by {@code ca serve}'s issuing key "on behalf of"
 * the administrator's SPIFFE ID and certificate serial: the chain records who revoked. Revoking a
 * certificate that is already revoked changes nothing and answers 200 {@code already_revoked}
 * with the original time and reason. Called from worker threads (it reads and writes the store).
 */
public final class AdminRevocation {
  /** The endpoint's path (HTTPS listener only). */
  public static final String PATH = "/admin/revoke";
  /** The role (X.509 roles extension) an administrator's certificate must hold. */
  public static final String ROLE = "ca-admin";
  /** The request media type. */
  public static final String JSON_TYPE = "application/json";

  private static final Set<String> FIELDS = Set.of("serial", "reason");
  private static final Logger LOG = LoggerFactory.getLogger(AdminRevocation.class);
  // Duplicate keys are refused: {"serial": A, "serial": B} must not mean whichever a parser keeps.
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private final CertificateAuthority ca;
  private final Clock clock;
  private final Supplier<String> storeNotReady;
  private final Runnable onRevoked;

  /**
   * An endpoint revoking in {@code ca}'s store.
   *
   * @param storeNotReady verifies the store and gives why it must not be used, or null when it may
   * @param onRevoked run after each revocation (drops cached OCSP answers at once)
   */
  public AdminRevocation(CertificateAuthority ca, Clock clock, Supplier<String> storeNotReady, Runnable onRevoked) {
    this.ca = ca;
    this.clock = clock;
    this.storeNotReady = storeNotReady;
    this.onRevoked = onRevoked;
  }

  /**
   * Revokes the certificate named in {@code body} ({@code {"serial": "HEX", "reason": "keyCompromise"}};
   * the reason is optional, {@code unspecified} by default, and takes the names {@code ca revoke} takes).
   *
   * @param peer the client's TLS certificate chain (leaf first), or null when none was presented
   * @param contentType the Content-Type header, or null
   * @param source the peer address (logs, audit)
   * @return the JSON answer: {@code status} {@code revoked} or {@code already_revoked}, serial,
   *     subject, reason, revokedAt (and revokedBy for a new revocation)
   * @throws AdminError 400, 401, 403, 404, 500 or 503, with one line saying why
   */
  public byte[] revoke(X509Certificate[] peer, String contentType, byte[] body, String source) throws AdminError {
    try {
      // Verified right before acting (new entries, then every row), as EST does: a row edited by
      // hand is never acted on, even in the 200 ms before the watcher notices.
      if (storeNotReady.get() != null) {
        throw AdminError.unavailable("the CA store is not available; try again later");
      }
      Instant now = clock.instant();
      String admin = authenticate(peer, now);
      Request request = parse(contentType, body);
      Optional<CertificateRecord> existing = ca.store().find(request.serial());
      if (existing.isEmpty()) {
        throw AdminError.notFound("serial " + request.serial().toString(16) + " was not issued by this CA");
      }
      if (existing.get().revokedAt() != null) {
        return alreadyRevoked(existing.get(), admin, source);
      }
      String onBehalfOf = admin + " from " + source;
      CertificateRecord revoked;
      try {
        revoked = ca.store().revoke(request.serial(), request.reason(), now, onBehalfOf);
      } catch (StoreException e) {
        // Revoked meanwhile (another node, 'ca revoke'): the same idempotent answer.
        Optional<CertificateRecord> current = ca.store().find(request.serial());
        if (current.isPresent() && current.get().revokedAt() != null) {
          return alreadyRevoked(current.get(), admin, source);
        }
        throw e;
      }
      onRevoked.run();
      LOG.info("admin revoke from {}: {} revoked {} serial {} ({})", source, admin, revoked.subject(),
          revoked.serialHex(), request.reason());
      Map<String, Object> answer = answer("revoked", revoked);
      answer.put("revokedBy", admin);
      return JSON.writeValueAsBytes(answer);
    } catch (AdminError error) {
      LOG.warn("admin revoke from {} refused ({}): {}", source, error.status(), error.getMessage());
      throw error;
    } catch (StoreException e) {
      LOG.warn("admin revoke from {} failed: {}", source, e.getMessage());
      throw AdminError.failed("the CA could not complete the request; try again later");
    }
  }

  private byte[] alreadyRevoked(CertificateRecord record, String admin, String source) {
    LOG.info("admin revoke from {}: {} asked to revoke serial {}, already revoked at {} ({})", source, admin,
        record.serialHex(), record.revokedAt(), record.revocationReason());
    return JSON.writeValueAsBytes(answer("already_revoked", record));
  }

  private static Map<String, Object> answer(String status, CertificateRecord record) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("status", status);
    answer.put("serial", record.serialHex());
    answer.put("subject", record.subject());
    answer.put("reason", record.revocationReason().rfcName());
    answer.put("revokedAt", record.revokedAt().toString());
    return answer;
  }

  /** The administrator's identity, as the audit chain records it. */
  private String authenticate(X509Certificate[] peer, Instant now) throws AdminError, StoreException {
    if (peer == null || peer.length == 0) {
      throw AdminError.unauthorized("present a CA administrator's client certificate (role " + ROLE
          + ") over mutual TLS");
    }
    CertificateRecord record;
    try {
      record = PresentedCertificates.check(ca, peer[0], now);
    } catch (PresentedCertificates.Refused refused) {
      throw AdminError.unauthorized(refused.getMessage());
    }
    if (record.kind() != CertificateKind.CLIENT) {
      throw AdminError.forbidden("certificate " + record.serialHex() + " is a " + record.kind().label()
          + " certificate; a client certificate with the role " + ROLE + " is needed");
    }
    CertificateIdentity identity;
    try {
      identity = CertificateIdentity.from(peer[0]);
    } catch (IdentityFormatException e) {
      throw AdminError.forbidden("the client certificate has no valid Gatehouse identity");
    }
    if (!identity.roles().contains(ROLE)) {
      throw AdminError.forbidden(identity.spiffeId().toUri() + " does not hold the role " + ROLE);
    }
    return identity.spiffeId().toUri() + " (" + ROLE + " certificate " + identity.serialHex() + ")";
  }

  private record Request(BigInteger serial, RevocationReason reason) {}

  private static Request parse(String contentType, byte[] body) throws AdminError {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!type.equals(JSON_TYPE)) {
      throw AdminError.badRequest("the body must be " + JSON_TYPE + " like {\"serial\": \"HEX\", \"reason\":"
          + " \"keyCompromise\"}");
    }
    Map<?, ?> fields;
    try {
      fields = JSON.readValue(body, Map.class);
    } catch (RuntimeException e) {
      throw AdminError.badRequest("the body is not a JSON object like {\"serial\": \"HEX\", \"reason\":"
          + " \"keyCompromise\"}");
    }
    if (fields == null) {
      throw AdminError.badRequest("the body is not a JSON object");
    }
    for (Object name : fields.keySet()) {
      if (!FIELDS.contains(name)) {
        throw AdminError.badRequest("unknown field '" + printable(String.valueOf(name))
            + "': only serial and reason");
      }
    }
    if (!(fields.get("serial") instanceof String serial)) {
      throw AdminError.badRequest("serial is required, as a string in hex as 'ca list' prints it");
    }
    Object reason = fields.containsKey("reason") ? fields.get("reason") : RevocationReason.UNSPECIFIED.rfcName();
    if (!(reason instanceof String reasonName)) {
      throw AdminError.badRequest("reason must be a string such as keyCompromise");
    }
    try {
      return new Request(CertificateRecord.parseSerial(serial), RevocationReason.parse(printable(reasonName)));
    } catch (InvalidRequestException e) {
      throw AdminError.badRequest(e.getMessage());
    }
  }

  private static String printable(String text) {
    String line = text.replaceAll("[^\\x20-\\x7e]", "?");
    return line.length() > 64 ? line.substring(0, 64) + "..." : line;
  }
}
