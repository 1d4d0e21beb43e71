package io.gatehouse.ca.authority;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CA's settings, written by {@code ca init} to {@code <dir>/ca/ca.json} and read by every
 * other command. Lifetimes are written as {@link Ttl} strings ({@code 24h}, {@code 7d}).
 *
 * @param version format version, currently 1
 * @param name the root CA's common name
 * @param trustDomain SPIFFE trust domain of issued client identities
 * @param keyType key type of the CA keys ({@link KeyType#cliName()})
 * @param intermediate whether leaves are issued by an intermediate (root kept offline)
 * @param ocspUrl OCSP responder URL put in every leaf's AuthorityInfoAccess, or null
 * @param crlUrl CRL URL put in every leaf's CRLDistributionPoints, or null
 * @param clientTtl default client certificate lifetime
 * @param clientMaxTtl longest client certificate lifetime
 * @param serverTtl default server certificate lifetime
 * @param serverMaxTtl longest server certificate lifetime
 * @param issuer the {@code iss} of JWTs minted by {@code gatehouse token}; null means {@code
 *     https://<trustDomain>}
 * @param jwtAlgorithm JWS algorithm of the JWT signing key (ES256, RS256 or EdDSA); null means ES256
 * @param tokenTtl default JWT lifetime; null means 15m
 * @param tokenMaxTtl longest JWT lifetime; null means 1h
 * @param store where the store is: null for the embedded SQLite {@code ca.db}, else a {@code
 *     postgresql://} URL without credentials ({@link io.gatehouse.ca.db.StoreLocation})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CaConfig(
    int version,
    String name,
    String trustDomain,
    String keyType,
    boolean intermediate,
    String ocspUrl,
    String crlUrl,
    String clientTtl,
    String clientMaxTtl,
    String serverTtl,
    String serverMaxTtl,
    String issuer,
    String jwtAlgorithm,
    String tokenTtl,
    String tokenMaxTtl,
    String store) {

  /** A config on the embedded SQLite store (the form before {@code store} existed). */
  public CaConfig(int version, String name, String trustDomain, String keyType, boolean intermediate,
      String ocspUrl, String crlUrl, String clientTtl, String clientMaxTtl, String serverTtl,
      String serverMaxTtl, String issuer, String jwtAlgorithm, String tokenTtl, String tokenMaxTtl) {
    this(version, name, trustDomain, keyType, intermediate, ocspUrl, crlUrl, clientTtl, clientMaxTtl,
        serverTtl, serverMaxTtl, issuer, jwtAlgorithm, tokenTtl, tokenMaxTtl, null);
  }

  /** Default client certificate lifetime. */
  public static final String DEFAULT_CLIENT_TTL = "24h";
  /** Default maximum client certificate lifetime. */
  public static final String DEFAULT_CLIENT_MAX_TTL = "7d";
  /** Default server certificate lifetime. */
  public static final String DEFAULT_SERVER_TTL = "90d";
  /** Default maximum server certificate lifetime (the CA/Browser Forum's 397 days). */
  public static final String DEFAULT_SERVER_MAX_TTL = "397d";

  /** Default JWT lifetime. */
  public static final String DEFAULT_TOKEN_TTL = "15m";
  /** Default maximum JWT lifetime. */
  public static final String DEFAULT_TOKEN_MAX_TTL = "1h";
  /** Default JWS algorithm. */
  public static final String DEFAULT_JWT_ALGORITHM = "ES256";

  static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  /** Lifetime policy for client certificates. */
  public TtlPolicy clientPolicy() throws InvalidRequestException {
    return new TtlPolicy(Ttl.parse(clientTtl), Ttl.parse(clientMaxTtl));
  }

  /** Lifetime policy for server certificates. */
  public TtlPolicy serverPolicy() throws InvalidRequestException {
    return new TtlPolicy(Ttl.parse(serverTtl), Ttl.parse(serverMaxTtl));
  }

  /** Lifetime policy for JWTs. */
  public TtlPolicy tokenPolicy() throws InvalidRequestException {
    return new TtlPolicy(Ttl.parse(orDefault(tokenTtl, DEFAULT_TOKEN_TTL)),
        Ttl.parse(orDefault(tokenMaxTtl, DEFAULT_TOKEN_MAX_TTL)));
  }

  /** The {@code iss} of minted JWTs. */
  public String tokenIssuer() {
    return orDefault(issuer, "https://" + trustDomain);
  }

  /** The JWS algorithm name of the JWT signing key. */
  public String tokenAlgorithm() {
    return orDefault(jwtAlgorithm, DEFAULT_JWT_ALGORITHM);
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  /** The CA key type. */
  public KeyType caKeyType() throws InvalidRequestException {
    return KeyType.parse(keyType);
  }

  /** This config with its store moved to {@code url} (null: back to the embedded SQLite file). */
  public CaConfig withStore(String url) {
    return new CaConfig(version, name, trustDomain, keyType, intermediate, ocspUrl, crlUrl, clientTtl,
        clientMaxTtl, serverTtl, serverMaxTtl, issuer, jwtAlgorithm, tokenTtl, tokenMaxTtl, url);
  }

  /** Reads {@code ca.json}. */
  public static CaConfig read(Path file) throws CaException {
    try {
      CaConfig config = JSON.readValue(file, CaConfig.class);
      if (config.version() != 1 || config.trustDomain() == null || config.keyType() == null) {
        throw new CaException("unsupported or incomplete CA config " + file);
      }
      config.clientPolicy();
      config.serverPolicy();
      config.tokenPolicy();
      if (config.store() != null) {
        io.gatehouse.ca.db.StoreLocation.parse(config.store());
      }
      return config;
    } catch (JacksonException | InvalidRequestException | IllegalArgumentException e) {
      throw new CaException("CA config " + file + " is unreadable: fix or restore it", e);
    }
  }

  /** Writes {@code ca.json} atomically. */
  public void write(Path file) throws CaException {
    SecureFiles.writePublic(file, JSON.writeValueAsBytes(this));
  }
}
