package io.gatehouse.ca;

/**
 * The request itself breaks policy (bad role name, lifetime out of bounds, unsupported key): the
 * CLI reports it as a usage error (exit code 2), not a runtime failure.
 */
public class InvalidRequestException extends CaException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
