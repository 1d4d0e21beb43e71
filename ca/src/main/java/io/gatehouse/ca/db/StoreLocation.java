package io.gatehouse.ca.db;

import io.gatehouse.ca.InvalidRequestException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a CA's store is: the embedded SQLite file (the default, {@code ca.json} without a {@code
 * store}) or a PostgreSQL database, {@code postgresql://[user@]host[:port]/database[?sslmode=…]}.
 * The URL never carries a password: that comes from {@code GATEHOUSE_CA_DB_PASSWORD} or the 0600
 * file named by {@code GATEHOUSE_CA_DB_PASSWORD_FILE}.
 *
 * @param host database host
 * @param port database port
 * @param database database name
 * @param user role to connect as, or null for the OS user
 * @param parameters TLS and timeout parameters passed to the driver
 */
public record StoreLocation(String host, int port, String database, String user, Map<String, String> parameters) {
  /** PostgreSQL's default port. */
  public static final int DEFAULT_PORT = 5432;

  /**
   * Driver parameters a store URL may carry: TLS to the database and timeouts. Anything else
   * (a password above all) is refused rather than written into {@code ca.json}.
   */
  private static final Set<String> ALLOWED = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey",
      "connectTimeout", "socketTimeout", "applicationName", "targetServerType");

  public StoreLocation {
    parameters = Map.copyOf(parameters);
  }

  /**
   * Parses a {@code postgresql://} URL.
   *
   * @throws InvalidRequestException naming what is wrong
   */
  public static StoreLocation parse(String url) throws InvalidRequestException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new InvalidRequestException("invalid store URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw new InvalidRequestException("unsupported store '" + safe(url)
          + "': use postgresql://host:5432/database (SQLite is the default and needs no --store)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new InvalidRequestException("store URL needs a host: postgresql://host:5432/database");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String database = path.startsWith("/") ? path.substring(1) : path;
    if (database.isEmpty() || database.contains("/")) {
      throw new InvalidRequestException("store URL needs a database name: postgresql://host:5432/database");
    }
    String user = null;
    if (uri.getRawUserInfo() != null) {
      if (uri.getRawUserInfo().contains(":")) {
        throw new InvalidRequestException("the store URL must not carry a password (it would be written to"
            + " ca.json): set GATEHOUSE_CA_DB_PASSWORD or GATEHOUSE_CA_DB_PASSWORD_FILE instead");
      }
      user = decode(uri.getRawUserInfo());
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
      for (String pair : uri.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (!ALLOWED.contains(key)) {
          throw new InvalidRequestException("store URL parameter '" + key + "' is not accepted: use "
              + String.join(", ", ALLOWED.stream().sorted().toList()));
        }
        parameters.put(key, value);
      }
    }
    return new StoreLocation(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database,
        user, parameters);
  }

  /** The URL as written to {@code ca.json} and shown to operators (never a password). */
  public String url() {
    StringBuilder text = new StringBuilder("postgresql://");
    if (user != null) {
      text.append(user).append('@');
    }
    text.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/').append(database);
    String separator = "?";
    for (Map.Entry<String, String> parameter : parameters.entrySet()) {
      text.append(separator).append(parameter.getKey()).append('=').append(parameter.getValue());
      separator = "&";
    }
    return text.toString();
  }

  /** The JDBC URL (parameters are given to the driver as properties, not here). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
  }

  /** Whether the connection is authenticated by TLS ({@code sslmode=verify-ca|verify-full}). */
  public boolean verifiesServer() {
    String mode = parameters.getOrDefault("sslmode", "");
    return mode.equals("verify-full") || mode.equals("verify-ca");
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  /** The URL without user info, for an error message. */
  private static String safe(String url) {
    return url.replaceAll("//[^@/]*@", "//");
  }

  @Override
  public String toString() {
    return url();
  }
}
