package io.gatehouse.bench.support;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.db.PostgresCertificateStore;
import io.gatehouse.ca.db.StoreLocation;
import io.gatehouse.ca.db.TemporaryPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Map;

/**
 * The PostgreSQL server of one benchmark run: a {@link TemporaryPostgres} (the one the store tests
 * use) with a random superuser password that only a 0600 file holds; benchmark processes get the
 * file's path ({@value PostgresCertificateStore#PASSWORD_FILE_ENV}), never the password itself.
 */
public final class BenchPostgres implements AutoCloseable {
  private final TemporaryPostgres server;
  private final Path dir;
  private final Path passwordFile;

  private BenchPostgres(TemporaryPostgres server, Path dir, Path passwordFile) {
    this.server = server;
    this.dir = dir;
    this.passwordFile = passwordFile;
  }

  /**
   * Starts the server.
   *
   * @throws IOException naming why PostgreSQL cannot run here (binaries missing, initdb failed)
   */
  public static BenchPostgres start() throws IOException, InterruptedException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path dir = TempDirs.create("pg-secret");
    Path passwordFile = dir.resolve("db-password");
    Files.writeString(Files.createFile(passwordFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
        password + "\n", StandardCharsets.UTF_8);
    try {
      return new BenchPostgres(TemporaryPostgres.start(password), dir, passwordFile);
    } catch (IOException | InterruptedException | RuntimeException e) {
      TempDirs.delete(dir);
      throw e;
    }
  }

  /** A new database {@code name} with the Gatehouse schema ({@code ca db migrate}); its store URL. */
  public Database migratedDatabase(String name) throws SQLException, CaException {
    Database database = new Database(server.createDatabase(name, null), passwordFile);
    PostgresCertificateStore.migrate(StoreLocation.parse(database.url()), database.env());
    return database;
  }

  /** The server's version, e.g. {@code 15.18}. */
  public String version() throws SQLException {
    try (Connection c = server.connect("postgres"); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SHOW server_version")) {
      r.next();
      return r.getString(1);
    }
  }

  @Override
  public void close() {
    server.close();
    TempDirs.delete(dir);
  }

  /**
   * A database of the run's server, as the CA finds it: the store URL (no password) and the 0600
   * file holding the password. Travels to JMH forks as two system properties.
   */
  public record Database(String url, Path passwordFile) {
    private static final String URL_PROPERTY = "gatehouse.bench.postgres.url";
    private static final String PASSWORD_FILE_PROPERTY = "gatehouse.bench.postgres.passwordFile";

    /** The environment a CA opens the store with. */
    public Map<String, String> env() {
      return Map.of(PostgresCertificateStore.PASSWORD_FILE_ENV, passwordFile.toString());
    }

    /** {@code -D} options naming this database for a forked JVM. */
    public String[] jvmArgs() {
      return new String[] {"-D" + URL_PROPERTY + "=" + url, "-D" + PASSWORD_FILE_PROPERTY + "=" + passwordFile};
    }

    /** Names this database to code running in this JVM (JMH without forks). */
    public void setSystemProperties() {
      System.setProperty(URL_PROPERTY, url);
      System.setProperty(PASSWORD_FILE_PROPERTY, passwordFile.toString());
    }

    /** Forgets {@link #setSystemProperties()}. */
    public static void clearSystemProperties() {
      System.clearProperty(URL_PROPERTY);
      System.clearProperty(PASSWORD_FILE_PROPERTY);
    }

    /** The database the runner named, or null. */
    public static Database fromSystemProperties() {
      String url = System.getProperty(URL_PROPERTY);
      String file = System.getProperty(PASSWORD_FILE_PROPERTY);
      return url == null || file == null ? null : new Database(url, Path.of(file));
    }
  }
}
