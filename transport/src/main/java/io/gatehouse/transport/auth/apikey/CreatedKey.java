package io.gatehouse.transport.auth.apikey;

/**
 * A new API key: the stored record and the key itself, which exists only here and is shown to
 * the user once.
 */
public record CreatedKey(ApiKeyRecord record, String key) {
  @Override
  public String toString() {
    return "CreatedKey[" + record.id() + ", key=<redacted>]";
  }
}
