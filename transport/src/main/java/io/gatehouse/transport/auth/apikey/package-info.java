/**
 * API-key authentication ({@code X-API-Key}) for internal tools: keys are 256-bit random secrets
 * stored only as SHA-256 hashes in a JSON file, managed with {@code gatehouse apikey} and reloaded
 * by a running server when the file changes.
 */
package io.gatehouse.transport.auth.apikey;
