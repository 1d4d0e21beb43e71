/** Strict text encodings shared by the transport's token formats (JWS, sealed session ids). */
package io.gatehouse.transport.encoding;
