package io.gatehouse.transport.auth.policy;

/** A policy file that cannot be used; the message says what is wrong and where, in one line. */
public final class PolicyException extends Exception {
  PolicyException(String message) {
    super(message);
  }
}
