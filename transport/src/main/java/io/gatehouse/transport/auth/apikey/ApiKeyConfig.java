package io.gatehouse.transport.auth.apikey;

import java.nio.file.Path;

/**
 * API keys ({@code X-API-Key}).
 *
 * @param enabled default false
 * @param file the key file {@code gatehouse apikey} writes; default {@code certs/apikeys.json}
 */
public record ApiKeyConfig(Boolean enabled, Path file) {
  public ApiKeyConfig {
    enabled = enabled != null && enabled;
    file = file == null ? Path.of(ApiKeyStore.DEFAULT_PATH) : file;
  }
}
