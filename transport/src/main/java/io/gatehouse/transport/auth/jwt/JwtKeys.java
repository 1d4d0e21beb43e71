package io.gatehouse.transport.auth.jwt;

import io.gatehouse.transport.setting.Setting;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys JWT signatures are checked against: a local file (PEM public keys or certificates, a
 * JWK, or a JWK set) or a JWKS URL fetched in the background.
 *
 * <p>A JWKS URL is cached (default 5 min), refreshed ahead of expiry on a background thread, and
 * re-fetched on an unknown {@code kid} at most twice per rate-limit interval (default 30 s), so
 * a flood of tokens with random key ids costs no more fetches than that. A fetch that does happen
 * on a request's thread (the first one, or an unknown-{@code kid} refetch) is bounded by the
 * connect timeout and the fetch deadline; other requests keep using the cached keys meanwhile.
 * Symmetric keys are never taken from a URL.
 */
public final class JwtKeys implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(JwtKeys.class);
  private static final int MAX_FILE_BYTES = 1 << 20;

  /**
   * Most (algorithm, kid) pairs whose candidate keys are remembered per key set; {@code kid} is
   * chosen by the caller, so beyond this the candidates are computed but not stored.
   */
  private static final int MAX_REMEMBERED_SELECTIONS = 1024;

  private final JWKSource<SecurityContext> source;
  /** The fixed key set (file or in-memory keys), or null for a URL. */
  private final JWKSet fixed;
  /** The caching source of a URL's key set, or null (fixed keys, or an unknown source). */
  private final JWKSetSource<SecurityContext> setSource;
  private final boolean remote;
  /** Candidates already selected from one key set instance; replaced when the set changes. */
  private volatile Selections selections = new Selections(null);

  private record Selection(JWSAlgorithm alg, String kid) {}

  private record Selections(JWKSet set, ConcurrentHashMap<Selection, List<JWK>> byHeader) {
    Selections(JWKSet set) {
      this(set, new ConcurrentHashMap<>());
    }
  }

  private JwtKeys(JWKSource<SecurityContext> source, boolean remote) {
    this.source = source;
    this.remote = remote;
    this.fixed = source instanceof ImmutableJWKSet<SecurityContext> s ? s.getJWKSet() : null;
    this.setSource = source instanceof JWKSetBasedJWKSource<SecurityContext> s
        ? s.getJWKSetSource() : null;
  }

  /** Fixed keys held in memory (private parts are dropped). */
  public static JwtKeys of(JWKSet keys) throws IOException {
    List<JWK> verified = new ArrayList<>();
    for (JWK key : keys.getKeys()) {
      verified.add(checked(key));
    }
    return new JwtKeys(new ImmutableJWKSet<>(new JWKSet(verified)), false);
  }

  /**
   * Keys from a file: PEM ({@code PUBLIC KEY} or {@code CERTIFICATE} blocks; RSA, EC or Ed25519),
   * a single JWK, or a JWK set ({@code {"keys": [...]}}). An HMAC secret is an {@code oct} JWK of
   * at least 256 bits.
   *
   * @throws IOException naming what is wrong with the file
   */
  public static JwtKeys fromFile(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IOException("key file " + file + " is larger than 1 MiB");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    try {
      if (text.startsWith("-----BEGIN")) {
        return of(new JWKSet(fromPem(text)));
      }
      Map<String, Object> json = JSONObjectUtils.parse(text);
      return json.containsKey("keys") ? of(JWKSet.parse(json)) : of(new JWKSet(JWK.parse(json)));
    } catch (ParseException e) {
      throw new IOException("key file " + file + " is not a valid JWK or JWK set: " + e.getMessage());
    }
  }

  /**
   * A JWKS URL source. HTTPS is required: key material is never taken from an unauthenticated
   * channel. Plain HTTP to a loopback address only with {@link
   * JwksUrlBuilder#insecurePlainHttp(boolean)}.
   */
  public static JwksUrlBuilder jwksUrl(URI url) {
    return new JwksUrlBuilder(url);
  }

  /** True when the keys come from a URL (symmetric algorithms are then refused). */
  boolean remote() {
    return remote;
  }

  /**
   * Whether at least one key is loaded, for readiness: from the cache when fresh, else one fetch
   * (bounded by the timeouts and the refetch rate limit). Blocks: call it off the event loop.
   */
  public boolean hasKeys() {
    try {
      return !select(new JWKMatcher.Builder().build()).isEmpty();
    } catch (KeySourceException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The keys that may have signed a JWS with {@code alg} and {@code kid} (null when absent): type
   * fits the algorithm, {@code use} is {@code sig} or absent, {@code key_ops} has {@code verify}
   * or is absent, {@code alg} is this one or absent, and {@code kid} equals the token's when both
   * have one (a key without a kid, e.g. from PEM, is a candidate for any kid). The result is
   * remembered per (alg, kid) against the current key set instance, so a refreshed or rotated
   * JWKS (a new instance) is matched afresh. As {@link JWKSetBasedJWKSource} does, an empty
   * result from a URL asks its source once more (a rate-limited refetch on an unknown kid).
   */
  List<JWK> candidates(JWSAlgorithm alg, String kid) throws KeySourceException {
    if (fixed != null) {
      return candidatesIn(fixed, alg, kid);
    }
    if (setSource == null) {
      return select(matcher(alg, kid));
    }
    long now = System.currentTimeMillis();
    JWKSet set = setSource.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, null);
    List<JWK> found = candidatesIn(set, alg, kid);
    if (found.isEmpty()) {
      JWKSet updated =
          setSource.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(set), now, null);
      if (updated != null) {
        found = candidatesIn(updated, alg, kid);
      }
    }
    return found;
  }

  private List<JWK> candidatesIn(JWKSet set, JWSAlgorithm alg, String kid) {
    if (set == null) {
      return List.of();
    }
    Selections current = selections;
    if (current.set() != set) {
      current = new Selections(set);
      selections = current;
    }
    Selection selection = new Selection(alg, kid);
    List<JWK> found = current.byHeader().get(selection);
    if (found == null) {
      found = List.copyOf(new JWKSelector(matcher(alg, kid)).select(set));
      if (current.byHeader().size() < MAX_REMEMBERED_SELECTIONS) {
        current.byHeader().put(selection, found);
      }
    }
    return found;
  }

  private static JWKMatcher matcher(JWSAlgorithm alg, String kid) {
    JWKMatcher.Builder m =
        new JWKMatcher.Builder()
            .keyType(KeyType.forAlgorithm(alg))
            .keyUses(KeyUse.SIGNATURE, null)
            .keyOperations(new LinkedHashSet<>(Arrays.asList(KeyOperation.VERIFY, null)))
            .algorithms(alg, null);
    if (kid != null) {
      m.keyIDs(new HashSet<>(Arrays.asList(kid, null)));
    }
    return m.build();
  }

  /** The keys {@code matcher} accepts; may fetch (bounded) when nothing matches. */
  List<JWK> select(JWKMatcher matcher) throws KeySourceException {
    return source.get(new JWKSelector(matcher), null);
  }

  @Override
  public void close() throws IOException {
    if (source instanceof Closeable closeable) {
      closeable.close();
    }
  }

  private static JWK checked(JWK key) throws IOException {
    if (key instanceof OctetSequenceKey) {
      if (key.size() < 256) {
        throw new IOException("HMAC secret '" + key.getKeyID() + "' is shorter than 256 bits");
      }
      return key;
    }
    if (key instanceof RSAKey && key.size() < 2048) {
      throw new IOException("RSA key '" + key.getKeyID() + "' is shorter than 2048 bits");
    }
    return key.isPrivate() ? key.toPublicJWK() : key;
  }

  private static List<JWK> fromPem(String text) throws IOException {
    List<JWK> keys = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof SubjectPublicKeyInfo spki) {
          keys.add(toJwk(spki));
        } else if (o instanceof X509CertificateHolder cert) {
          keys.add(toJwk(cert.getSubjectPublicKeyInfo()));
        } else {
          throw new IOException(
              "PEM key file may hold only public keys or certificates, found "
                  + o.getClass().getSimpleName());
        }
      }
    }
    if (keys.isEmpty()) {
      throw new IOException("PEM key file holds no key");
    }
    return keys;
  }

  private static JWK toJwk(SubjectPublicKeyInfo spki) throws IOException {
    if (EdECObjectIdentifiers.id_Ed25519.equals(spki.getAlgorithm().getAlgorithm())) {
      return new OctetKeyPair.Builder(
              Curve.Ed25519, Base64URL.encode(spki.getPublicKeyData().getOctets()))
          .build();
    }
    PublicKey key = new JcaPEMKeyConverter().getPublicKey(spki);
    if (key instanceof RSAPublicKey rsa) {
      return new RSAKey.Builder(rsa).build();
    }
    if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.forECParameterSpec(ec.getParams());
      if (curve == null) {
        throw new IOException("unsupported EC curve in PEM key file");
      }
      return new ECKey.Builder(curve, ec).build();
    }
    throw new IOException("unsupported key type in PEM key file: " + key.getAlgorithm());
  }

  /** How long a fetched key set is used. */
  public static final Setting<Duration> CACHE_TTL = Setting.duration(
      "auth.jwt.jwksCacheTtl", Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofDays(1));
  /** How long before expiry the background refresh starts. */
  public static final Setting<Duration> REFRESH_AHEAD = Setting.duration(
      "auth.jwt.jwksRefreshAhead", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
  /** Unknown-{@code kid} refetches happen at most this often. */
  public static final Setting<Duration> MIN_REFETCH_INTERVAL = Setting.duration(
      "auth.jwt.jwksMinRefetchInterval", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1));
  /** TCP connect timeout of a fetch. */
  public static final Setting<Duration> CONNECT_TIMEOUT = Setting.duration(
      "auth.jwt.jwksConnectTimeout", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(60));
  /** Deadline of a whole fetch, headers and body. */
  public static final Setting<Duration> FETCH_DEADLINE = Setting.duration(
      "auth.jwt.jwksFetchDeadline", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(60));

  /** Configures a JWKS URL source. */
  public static final class JwksUrlBuilder {
    private final URI url;
    private Duration cacheTtl = CACHE_TTL.defaultValue();
    private Duration refreshAhead = REFRESH_AHEAD.defaultValue();
    private Duration minRefetchInterval = MIN_REFETCH_INTERVAL.defaultValue();
    private Duration connectTimeout = CONNECT_TIMEOUT.defaultValue();
    private Duration fetchDeadline = FETCH_DEADLINE.defaultValue();
    private SSLContext sslContext;
    private boolean insecurePlainHttp;

    private JwksUrlBuilder(URI url) {
      this.url = Objects.requireNonNull(url, "url");
    }

    /** How long a fetched key set is used (default 5 min). */
    public JwksUrlBuilder cacheTtl(Duration ttl) {
      this.cacheTtl = CACHE_TTL.check(ttl);
      return this;
    }

    /** How long before expiry the background refresh starts (default 30 s). */
    public JwksUrlBuilder refreshAhead(Duration refreshAhead) {
      this.refreshAhead = REFRESH_AHEAD.check(refreshAhead);
      return this;
    }

    /** Interval within which at most two fetches happen, whatever the traffic (default 30 s). */
    public JwksUrlBuilder minRefetchInterval(Duration interval) {
      this.minRefetchInterval = MIN_REFETCH_INTERVAL.check(interval);
      return this;
    }

    /** TCP connect timeout (default 2 s). */
    public JwksUrlBuilder connectTimeout(Duration timeout) {
      this.connectTimeout = CONNECT_TIMEOUT.check(timeout);
      return this;
    }

    /** Deadline for a whole fetch, headers and body (default 5 s). */
    public JwksUrlBuilder fetchDeadline(Duration deadline) {
      this.fetchDeadline = FETCH_DEADLINE.check(deadline);
      return this;
    }

    /** TLS settings for an HTTPS endpoint with a private CA (default: the JDK trust store). */
    public JwksUrlBuilder sslContext(SSLContext sslContext) {
      this.sslContext = sslContext;
      return this;
    }

    /**
     * Allow {@code http://} to a loopback address ({@code auth.jwt.insecurePlainHttpJwks}).
     * Insecure: whoever binds that port first (any local user, e.g. while the real endpoint is
     * down) serves the keys and can mint any token. Off by default; a warning is logged at every
     * build.
     */
    public JwksUrlBuilder insecurePlainHttp(boolean allow) {
      this.insecurePlainHttp = allow;
      return this;
    }

    /**
     * Builds the source and fetches the key set once (bounded by the timeouts). A failed first
     * fetch is logged and retried on the first token; until keys are loaded every token is
     * refused.
     *
     * @throws IllegalArgumentException for a non-HTTPS URL (without the opt-in: any; with it: one
     *     not to a loopback address) or inconsistent timings
     */
    public JwtKeys build() {
      URL parsed = checkUrl();
      Duration refreshTimeout = connectTimeout.plus(fetchDeadline);
      if (refreshAhead.plus(refreshTimeout).compareTo(cacheTtl) >= 0
          || minRefetchInterval.compareTo(cacheTtl) > 0) {
        throw new IllegalArgumentException(
            "JWKS cache TTL must exceed refresh-ahead + connect timeout + fetch deadline, and the"
                + " refetch interval");
      }
      JWKSource<SecurityContext> source =
          JWKSourceBuilder.<SecurityContext>create(
                  parsed,
                  new JdkHttpRetriever(connectTimeout, fetchDeadline, sslContext, insecurePlainHttp))
              .cache(cacheTtl.toMillis(), refreshTimeout.toMillis())
              .refreshAheadCache(refreshAhead.toMillis(), true)
              .rateLimited(minRefetchInterval.toMillis())
              .retrying(false)
              .outageTolerant(false)
              .build();
      JwtKeys keys = new JwtKeys(source, true);
      try {
        keys.select(new JWKMatcher.Builder().build());
      } catch (KeySourceException e) {
        log.warn("JWKS {} not reachable yet: {}", url, e.getMessage());
      }
      return keys;
    }

    private URL checkUrl() {
      String scheme = url.getScheme();
      if (!"https".equalsIgnoreCase(scheme)) {
        if (!"http".equalsIgnoreCase(scheme)) {
          throw new IllegalArgumentException("JWKS URL must use https: " + url);
        }
        if (!insecurePlainHttp) {
          throw new IllegalArgumentException("JWKS URL must use https: signing keys fetched over"
              + " plain http can be served by anyone who binds or intercepts " + url
              + "; use https, or keyFile with a local copy of the keys (insecurePlainHttpJwks:"
              + " true would allow http to a loopback address)");
        }
        if (!isLoopback(url.getHost())) {
          throw new IllegalArgumentException(
              "JWKS URL must use https (insecurePlainHttpJwks allows http only to a loopback"
                  + " address): " + url);
        }
        log.warn("insecurePlainHttpJwks is on: JWT signing keys are fetched over plain http from"
            + " {}; any local process that binds that port can mint tokens. Use https or keyFile.",
            url);
      }
      try {
        return url.toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("invalid JWKS URL: " + url, e);
      }
    }

    private static boolean isLoopback(String host) {
      if (host == null) {
        return false;
      }
      if (host.equalsIgnoreCase("localhost")) {
        return true;
      }
      // Only literal addresses: resolving a name here could be steered by DNS.
      if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:]+]")) {
        return false;
      }
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }
}
