package io.gatehouse.ca.est;

/**
 * An EST request refused: the HTTP status and one line saying what is wrong. The line never holds
 * a token or key material; it is sent to the client, logged and audited as it is.
 */
public final class EstRefusal extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** Longest refusal line: requester-supplied names inside it stay bounded. */
  private static final int MAX_LINE = 300;

  EstRefusal(int status, String message) {
    super(printable(message), null, false, false);
    this.status = status;
  }

  /** One line of printable ASCII: messages can quote requester input (a CN, a library's claim echo). */
  private static String printable(String message) {
    String line = message.replaceAll("[\\r\\n\\t]+", " ").replaceAll("[^\\x20-\\x7e]", "?");
    return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line;
  }

  /** 400: malformed CSR, wrong media type. */
  static EstRefusal badRequest(String message) {
    return new EstRefusal(400, message);
  }

  /** 401: bad, spent or expired token; bad, expired, revoked or foreign certificate. */
  static EstRefusal unauthorized(String message) {
    return new EstRefusal(401, message);
  }

  /** 403: authenticated, but the request is beyond the provisioner's limits. */
  static EstRefusal forbidden(String message) {
    return new EstRefusal(403, message);
  }

  /** 429: rate limited. */
  static EstRefusal tooMany(String message) {
    return new EstRefusal(429, message);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }
}
