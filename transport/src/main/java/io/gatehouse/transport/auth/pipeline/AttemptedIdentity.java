package io.gatehouse.transport.auth.pipeline;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import java.util.List;

/**
 * The identity a refused credential claimed, to key lockout counters by (source, identity): a
 * certificate's serial, a JWT's {@code sub} (else its {@code kid}), an API key's public id. Read
 * from the credential without trusting it (it was just refused): it only selects a counter, and
 * an attacker who varies it still meets the per-source cap. Never contains a secret.
 */
final class AttemptedIdentity {
  /** Tokens longer than this are not parsed for an identity (the verifier refuses them anyway). */
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private AttemptedIdentity() {}

  /** The identity the credential of {@code method} in {@code request} claimed. */
  static String of(AuthMethod method, AuthRequest request) {
    switch (method) {
      case CERTIFICATE:
        return request.clientCertificate()
            .map(c -> "cert:" + c.getSerialNumber().toString(16)).orElse("cert:?");
      case JWT:
        return "jwt:" + jwtIdentity(request.headers("Authorization"));
      case API_KEY:
        String id = ApiKeyAuthenticator.presentedId(request);
        return "apikey:" + (id == null ? "?" : id);
      default:
        return "?";
    }
  }

  private static String jwtIdentity(List<String> authorization) {
    if (authorization.size() != 1) {
      return "?";
    }
    String value = authorization.get(0);
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)
        || value.length() > MAX_TOKEN_CHARS) {
      return "?";
    }
    try {
      JWT jwt = JWTParser.parse(value.substring(7).strip());
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (claims != null && claims.getSubject() != null) {
        return "sub=" + claims.getSubject();
      }
      if (jwt.getHeader() instanceof com.nimbusds.jose.JWSHeader jws && jws.getKeyID() != null) {
        return "kid=" + jws.getKeyID();
      }
    } catch (java.text.ParseException | RuntimeException unparseable) {
      // Not a JWT at all: one shared counter for garbage from this source.
    }
    return "?";
  }
}
