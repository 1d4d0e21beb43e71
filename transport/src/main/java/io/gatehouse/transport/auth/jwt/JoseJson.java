package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.jwk.JWK;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a JWS header and JWT claims (RFC 7515 §4, RFC 7519 §4.1, RFC 7800) straight into the
 * values the verifier and the claim checks use, with one streaming pass each: no general JSON tree
 * and no Nimbus {@code JWSObject}/{@code JWTClaimsSet} per token.
 *
 * <p>As strict as Nimbus's parse or stricter: strict UTF-8 JSON (RFC 8259) whose top level is an
 * object and nothing after it; a duplicate member at any depth is refused (RFC 7515 §4, RFC 8725
 * §3.10 allow refusing); nesting deeper than {@value #MAX_NESTING_DEPTH} and numbers longer than
 * {@value #MAX_NUMBER_CHARS} characters are refused; every registered header parameter and claim
 * must have its JSON type ({@code null} is no type): {@code alg}, {@code kid}, {@code typ},
 * {@code cty}, {@code x5t}, {@code x5t#S256} strings, {@code jku}/{@code x5u} URI strings, {@code
 * x5c} an array of base64 strings, {@code jwk} a public JWK; {@code crit} and a {@code b64} other
 * than {@code true} refused. {@code iss}, {@code sub}, {@code jti} strings, {@code aud} a string or
 * an array of strings, {@code exp}/{@code nbf}/{@code iat} NumericDates from 0 to
 * {@value #MAX_NUMERIC_DATE} (year 9999), {@code cnf} an object with an {@code x5t#S256} string.
 */
final class JoseJson {
  /** Deepest nesting of arrays and objects (Keycloak's {@code resource_access.c.roles} is 3). */
  static final int MAX_NESTING_DEPTH = 16;
  /** Longest number literal: a NumericDate needs 12 digits. */
  static final int MAX_NUMBER_CHARS = 32;
  /** 9999-12-31T23:59:59Z: beyond it a NumericDate is an error, not a time. */
  static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_NESTING_DEPTH)
                  .maxNumberLength(MAX_NUMBER_CHARS)
                  .build())
          .build();

  private JoseJson() {}

  /** What the verifier needs of a JWS header; {@code kid} and {@code typ} may be null. */
  record Header(String alg, String kid, String typ) {}

  /**
   * What the claim checks need. A registered claim that is absent is null; NumericDates are whole
   * seconds (a fraction is dropped, as Nimbus does). {@code roles} is the top-level {@code roles}
   * array, null when absent or JSON null; {@code rolesMalformed} when it is something else (refused
   * only where the default role source is used). {@code all} is every member, in Nimbus's JSON
   * shapes, when asked for (a custom role source reads any claim), else null.
   */
  record Claims(String iss, String sub, List<String> aud, Long exp, Long nbf, Long iat, String jti,
      String x5tS256, List<String> roles, boolean rolesMalformed, Map<String, Object> all) {}

  /** Parses a decoded JWS header. */
  static Header header(byte[] json) throws InvalidTokenException {
    String alg = null;
    String kid = null;
    String typ = null;
    try (JsonParser p = open(json, "JWS header")) {
      for (String name = p.nextName(); name != null; name = p.nextName()) {
        JsonToken t = p.nextToken();
        switch (name) {
          case "alg" -> alg = string(p, t, "JWS header", name);
          case "kid" -> kid = string(p, t, "JWS header", name);
          case "typ" -> typ = string(p, t, "JWS header", name);
          case "cty", "x5t", "x5t#S256" -> string(p, t, "JWS header", name);
          case "jku", "x5u" -> uri(string(p, t, "JWS header", name), name);
          case "x5c" -> certificateChain(p, t);
          case "jwk" -> publicJwk(p, t);
          case "crit" -> throw new InvalidTokenException("unsupported critical header parameter");
          case "b64" -> {
            if (t != JsonToken.VALUE_TRUE) {
              throw new InvalidTokenException("unsupported JWS header b64 (unencoded payload)");
            }
          }
          default -> p.skipChildren(); // an unregistered parameter: never read
        }
      }
      end(p, "JWS header");
    } catch (JacksonException e) {
      throw malformed("JWS header", e);
    }
    if (alg == null) {
      throw new InvalidTokenException("malformed JWS header: no alg");
    }
    return new Header(alg, kid, typ);
  }

  /** Parses decoded JWT claims; with {@code keepAll}, {@link Claims#all} holds every member. */
  static Claims claims(byte[] json, boolean keepAll) throws InvalidTokenException {
    String iss = null;
    String sub = null;
    String jti = null;
    String x5tS256 = null;
    List<String> aud = null;
    Long exp = null;
    Long nbf = null;
    Long iat = null;
    List<String> roles = null;
    boolean rolesMalformed = false;
    Map<String, Object> all = keepAll ? new LinkedHashMap<>() : null;
    try (JsonParser p = open(json, "claims")) {
      for (String name = p.nextName(); name != null; name = p.nextName()) {
        JsonToken t = p.nextToken();
        Object value;
        switch (name) {
          case "iss" -> value = iss = string(p, t, "claims", name);
          case "sub" -> value = sub = string(p, t, "claims", name);
          case "jti" -> value = jti = string(p, t, "claims", name);
          case "aud" -> value = aud = audience(p, t);
          case "exp" -> value = exp = numericDate(p, t, name);
          case "nbf" -> value = nbf = numericDate(p, t, name);
          case "iat" -> value = iat = numericDate(p, t, name);
          case "cnf" -> {
            value = read(p, t); // rare and small: read whole, as Nimbus did
            if (!(value instanceof Map<?, ?> cnf) || !(cnf.get("x5t#S256") instanceof String s)) {
              throw new InvalidTokenException(
                  "cnf claim has no x5t#S256 (other bindings unsupported)");
            }
            x5tS256 = s;
          }
          case "roles" -> {
            if (keepAll) {
              value = read(p, t);
            } else {
              value = null;
              roles = stringsOrNull(p, t);
              rolesMalformed = roles == null && t != JsonToken.VALUE_NULL;
            }
          }
          default -> {
            if (keepAll) {
              value = read(p, t);
            } else {
              value = null;
              p.skipChildren();
            }
          }
        }
        if (all != null) {
          all.put(name, value);
        }
      }
      end(p, "claims");
    } catch (JacksonException e) {
      throw malformed("claims", e);
    }
    return new Claims(iss, sub, aud, exp, nbf, iat, jti, x5tS256, roles, rolesMalformed, all);
  }

  private static JsonParser open(byte[] json, String what) throws InvalidTokenException {
    // A byte parser guesses UTF-16/32 from NUL bytes up front; JOSE JSON is UTF-8 (RFC 7515 §2),
    // so refuse what could be guessed otherwise, and malformed or overlong UTF-8.
    if (json.length < 2 || json[0] != '{' || json[1] == 0 || !isUtf8(json)) {
      throw new InvalidTokenException("malformed " + what + ": not a UTF-8 JSON object");
    }
    JsonParser p = JSON.createParser(ObjectReadContext.empty(), json);
    p.nextToken(); // START_OBJECT, by the first byte
    return p;
  }

  /** Nothing may follow the object but whitespace. */
  private static void end(JsonParser p, String what) throws InvalidTokenException {
    if (p.nextToken() != null) {
      throw new InvalidTokenException("malformed " + what + ": data after the JSON object");
    }
  }

  private static InvalidTokenException malformed(String what, JacksonException e) {
    String message = e.getOriginalMessage();
    String why = e instanceof StreamConstraintsException
        ? "nesting deeper than " + MAX_NESTING_DEPTH + " or number longer than " + MAX_NUMBER_CHARS
        : message != null && message.startsWith("Duplicate") ? "duplicate member"
        : "not valid JSON";
    return new InvalidTokenException("malformed " + what + ": " + why);
  }

  private static String string(JsonParser p, JsonToken t, String what, String name)
      throws InvalidTokenException {
    if (t != JsonToken.VALUE_STRING) {
      throw new InvalidTokenException("malformed " + what + ": " + name + " is not a string");
    }
    return p.getString();
  }

  private static void uri(String value, String name) throws InvalidTokenException {
    try {
      new URI(value);
    } catch (URISyntaxException e) {
      throw new InvalidTokenException("malformed JWS header: " + name + " is not a URI");
    }
  }

  private static void certificateChain(JsonParser p, JsonToken t) throws InvalidTokenException {
    List<String> chain = stringsOrNull(p, t);
    if (chain == null) {
      throw new InvalidTokenException("malformed JWS header: x5c is not an array of strings");
    }
    for (String cert : chain) {
      try {
        Base64.getDecoder().decode(cert);
      } catch (IllegalArgumentException e) {
        throw new InvalidTokenException("malformed JWS header: x5c entry is not base64");
      }
    }
  }

  /** An embedded {@code jwk} is never used, but must be what Nimbus accepts: a public JWK. */
  private static void publicJwk(JsonParser p, JsonToken t) throws InvalidTokenException {
    if (t != JsonToken.START_OBJECT) {
      throw new InvalidTokenException("malformed JWS header: jwk is not an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> members = (Map<String, Object>) read(p, t);
    try {
      if (JWK.parse(members).isPrivate()) {
        throw new InvalidTokenException("malformed JWS header: jwk holds a private key");
      }
    } catch (ParseException | RuntimeException e) {
      throw new InvalidTokenException("malformed JWS header: jwk is not a valid JWK");
    }
  }

  private static List<String> audience(JsonParser p, JsonToken t) throws InvalidTokenException {
    if (t == JsonToken.VALUE_STRING) {
      return List.of(p.getString());
    }
    List<String> values = stringsOrNull(p, t);
    if (values == null) {
      throw new InvalidTokenException(
          "malformed claims: aud is neither a string nor an array of strings");
    }
    return values;
  }

  /**
   * A NumericDate (RFC 7519 §2) in whole seconds: a JSON number, finite, 0 to {@link
   * #MAX_NUMERIC_DATE}.
   */
  private static Long numericDate(JsonParser p, JsonToken t, String name)
      throws InvalidTokenException {
    long seconds;
    if (t == JsonToken.VALUE_NUMBER_INT) {
      JsonParser.NumberType type = p.getNumberType();
      seconds = type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG
          ? p.getLongValue() : -1;
    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double value = p.getDoubleValue();
      seconds = value >= 0 && value <= MAX_NUMERIC_DATE ? (long) value : -1;
    } else {
      throw new InvalidTokenException("malformed claims: " + name + " is not a number");
    }
    if (seconds < 0 || seconds > MAX_NUMERIC_DATE) {
      throw new InvalidTokenException("malformed claims: " + name + " is out of range");
    }
    return seconds;
  }

  /** An array of strings, or null (consumed) for any other value. */
  private static List<String> stringsOrNull(JsonParser p, JsonToken t) {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    List<String> values = new ArrayList<>(4);
    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
      if (e != JsonToken.VALUE_STRING) {
        p.skipChildren();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          p.skipChildren();
        }
        return null;
      }
      values.add(p.getString());
    }
    return values;
  }

  /** Any JSON value as Nimbus's JSON utilities shape it: maps, lists, strings, numbers, booleans. */
  private static Object read(JsonParser p, JsonToken t) {
    return switch (t) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
          map.put(name, read(p, p.nextToken()));
        }
        yield map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          list.add(read(p, e));
        }
        yield list;
      }
      case VALUE_STRING -> p.getString();
      case VALUE_NUMBER_INT -> {
        JsonParser.NumberType type = p.getNumberType();
        yield type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG
            ? (Object) p.getLongValue() : (Object) p.getBigIntegerValue();
      }
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> null; // VALUE_NULL
    };
  }

  /** Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values above U+10FFFF. */
  static boolean isUtf8(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int more;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        more = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        more = 2;
        if (c == 0xE0) {
          lo = 0xA0;
        } else if (c == 0xED) {
          hi = 0x9F;
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        more = 3;
        if (c == 0xF0) {
          lo = 0x90;
        } else if (c == 0xF4) {
          hi = 0x8F;
        }
      } else {
        return false;
      }
      if (i + more >= b.length) {
        return false;
      }
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return false;
      }
      for (int k = 2; k <= more; k++) {
        int next = b[i + k] & 0xFF;
        if (next < 0x80 || next > 0xBF) {
          return false;
        }
      }
      i += more + 1;
    }
    return true;
  }
}
