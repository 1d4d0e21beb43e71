package io.gatehouse.transport.http;

import java.util.List;

/**
 * One input to {@code GET /readyz}: what currently keeps the server from doing its job. Called on
 * an event loop, so it must answer from state it already has (no I/O, no locks held for long); any
 * probing belongs on its own thread.
 */
@FunctionalInterface
public interface ReadinessCheck {
  /** Reason categories (e.g. {@code revocation_unavailable}); empty when ready. No detail. */
  List<String> notReadyReasons();
}
