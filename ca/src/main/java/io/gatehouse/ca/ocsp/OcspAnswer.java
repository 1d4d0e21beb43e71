package io.gatehouse.ca.ocsp;

import java.time.Instant;

/**
 * An encoded OCSP response with what HTTP caching needs.
 *
 * @param der the DER {@code OCSPResponse}
 * @param thisUpdate when the status was asserted (null for error responses)
 * @param nextUpdate until when it may be cached (null for error responses)
 * @param cacheable whether an HTTP cache may store it (false for nonce and error responses)
 */
public record OcspAnswer(byte[] der, Instant thisUpdate, Instant nextUpdate, boolean cacheable) {}
