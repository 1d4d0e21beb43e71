package io.gatehouse.ca.serve;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/** A BouncyCastle OCSP client for tests. */
final class Ocsp {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private Ocsp() {}

  static CertificateID id(X509Certificate issuer, BigInteger serial) throws Exception {
    return new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
        new JcaX509CertificateHolder(issuer), serial);
  }

  static OCSPReq request(byte[] nonce, CertificateID... ids) throws Exception {
    OCSPReqBuilder builder = new OCSPReqBuilder();
    for (CertificateID id : ids) {
      builder.addRequest(id);
    }
    if (nonce != null) {
      builder.setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
          false, new DEROctetString(nonce).getEncoded())));
    }
    return builder.build();
  }

  static HttpResponse<byte[]> post(String baseUrl, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/ocsp"))
        .header("Content-Type", "application/ocsp-request")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<byte[]> get(String url, String... headers) throws Exception {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).GET();
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
