package io.gatehouse.transport.auth.apikey;

import java.io.IOException;

/** API-key authentication from its {@code auth.apiKey} section. */
public final class ApiKeyAuthentication {
  private ApiKeyAuthentication() {}

  /**
   * The authenticator {@code config} describes (which must be enabled), reading the key file it
   * names (hot-reloaded).
   *
   * @throws IllegalArgumentException naming the key when the file cannot be read
   */
  public static ApiKeyAuthenticator fromConfig(ApiKeyConfig config) {
    return fromConfig(config, null);
  }

  /**
   * As {@link #fromConfig(ApiKeyConfig)}; keys naming a SPIFFE ID must name one of {@code
   * localTrustDomain} (null: any).
   */
  public static ApiKeyAuthenticator fromConfig(ApiKeyConfig config, String localTrustDomain) {
    try {
      return new ApiKeyAuthenticator(ReloadingApiKeys.watch(config.file()), localTrustDomain);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "auth.apiKey.file " + config.file() + ": " + e.getMessage(), e);
    }
  }
}
