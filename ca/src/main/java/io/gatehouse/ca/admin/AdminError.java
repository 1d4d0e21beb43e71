package io.gatehouse.ca.admin;

/** A refused admin request: HTTP status, a short code and one printable line for the caller. */
public final class AdminError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  AdminError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static AdminError badRequest(String message) {
    return new AdminError(400, "invalid_request", message);
  }

  static AdminError unauthorized(String message) {
    return new AdminError(401, "unauthorized", message);
  }

  static AdminError forbidden(String message) {
    return new AdminError(403, "forbidden", message);
  }

  static AdminError notFound(String message) {
    return new AdminError(404, "not_found", message);
  }

  static AdminError unavailable(String message) {
    return new AdminError(503, "unavailable", message);
  }

  static AdminError failed(String message) {
    return new AdminError(500, "server_error", message);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** {@code invalid_request}, {@code unauthorized}, {@code forbidden}, {@code not_found}, … */
  public String code() {
    return code;
  }
}
