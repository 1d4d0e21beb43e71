package io.gatehouse.bench.primitives;

import io.gatehouse.pki.identity.RolesExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raw operations under Gatehouse's non-signature paths: a SHA-256 (token cache key, API key
 * hash), a DER decode of the roles extension, a set lookup (RBAC) and a concurrent map lookup
 * (OCSP cache). Each is the least any implementation of that path must do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class RawBaselineBenchmark {
  /** As long as the benchmark's ES256 access token (header, claims, signature). */
  private final byte[] token = new String(new char[520]).replace('\0', 'x').getBytes(StandardCharsets.US_ASCII);
  /** As long as a Gatehouse API key ({@code gh_<16 hex>_<43 base64url>}). */
  private final byte[] apiKey = new String(new char[63]).replace('\0', 'k').getBytes(StandardCharsets.US_ASCII);
  private final Set<String> grants = Set.of("crm.read_contact", "hr.list_employees", "docs.a.summary");
  private final Map<String, Object> cache = new ConcurrentHashMap<>();
  private final String cacheKey = "issuer-key-hash|5f1c9a0e2b7d4c31a8e6f0b2d9c4e713";
  private X509Certificate certificate;

  @Setup
  public void setUp() throws Exception {
    for (int i = 0; i < 1000; i++) {
      cache.put("k" + i, i);
    }
    cache.put(cacheKey, "good");
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=alice");
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        Date.from(Instant.now()), Date.from(Instant.now().plusSeconds(3600)), name, keys.getPublic());
    builder.addExtension(RolesExtension.toExtension(List.of("manager", "viewer")));
    certificate = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  /** SHA-256 of an access token (the verified-token cache key). */
  @Benchmark
  public byte[] sha256Token() throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(token);
  }

  /** SHA-256 of an API key. */
  @Benchmark
  public byte[] sha256ApiKey() throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(apiKey);
  }

  /** The roles extension read from the certificate and decoded, without any validation. */
  @Benchmark
  public List<String> derDecodeRoles() {
    byte[] wrapped = certificate.getExtensionValue(RolesExtension.OID);
    ASN1Sequence sequence = ASN1Sequence.getInstance(ASN1OctetString.getInstance(wrapped).getOctets());
    List<String> roles = new ArrayList<>(sequence.size());
    for (ASN1Encodable e : sequence) {
      roles.add(ASN1UTF8String.getInstance(e).getString());
    }
    return roles;
  }

  /** One hash-set lookup: the floor of any authorization decision. */
  @Benchmark
  public boolean setContains() {
    return grants.contains("crm.read_contact");
  }

  /** One concurrent-map lookup: the floor of any cache hit. */
  @Benchmark
  public Object mapGet() {
    return cache.get(cacheKey);
  }
}
