package io.gatehouse.ca.db;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server of a test JVM: one {@link TemporaryPostgres}, started on first use and
 * removed at exit; every {@link #freshDatabase()} is a new, empty database. When the binaries are
 * missing or the server cannot start, tests are skipped with a loud message — except under CI
 * ({@code CI=true}), where .ci/run installs PostgreSQL and a skip would hide a broken setup, so
 * they fail.
 */
public final class PostgresServer {
  /** The superuser's password (the server listens on loopback only and lives for one test run). */
  public static final String PASSWORD = "gatehouse-test-db-password";
  public static final String USER = TemporaryPostgres.USER;

  private static PostgresServer instance;
  private static String unavailable;

  private final TemporaryPostgres server;
  private final AtomicInteger databases = new AtomicInteger();
  private String template;

  private PostgresServer(TemporaryPostgres server) {
    this.server = server;
  }

  /** The shared server, started on first use; skips (or fails under CI) when it cannot run. */
  public static synchronized PostgresServer get() {
    if (instance == null && unavailable == null) {
      try {
        TemporaryPostgres started = TemporaryPostgres.start(PASSWORD);
        Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        instance = new PostgresServer(started);
      } catch (Exception e) {
        unavailable = e.getMessage();
      }
    }
    if (instance == null) {
      String message = "!!!!! PostgreSQL tests SKIPPED: cannot start a PostgreSQL server (" + unavailable
          + "). Install Debian's postgresql package (apt-get install -y postgresql). !!!!!";
      System.err.println(message);
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(message);
      }
      Assumptions.abort(message);
    }
    return instance;
  }

  /** The port on 127.0.0.1. */
  public int port() {
    return server.port();
  }

  /** Environment for the CLI and stores: the database password. */
  public Map<String, String> env() {
    return server.env();
  }

  /** {@code postgresql://gatehouse@127.0.0.1:<port>/<database>} of a new, empty database. */
  public String freshDatabase() throws SQLException {
    return server.createDatabase(nextName(), null);
  }

  /**
   * A new database with the Gatehouse schema, cloned from a template migrated once per run (Flyway
   * itself is exercised by the tests that call {@code migrate}).
   */
  public synchronized String migratedDatabase() throws Exception {
    if (template == null) {
      String url = freshDatabase();
      PostgresCertificateStore.migrate(StoreLocation.parse(url), env());
      template = databaseOf(url);
    }
    return server.createDatabase(nextName(), template);
  }

  private String nextName() {
    return "ca_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
  }

  /** A superuser JDBC connection (autocommit) to {@code database}, for tampering by hand. */
  public Connection connect(String database) throws SQLException {
    return server.connect(database);
  }

  /** The database name of a {@link #freshDatabase()} URL. */
  public static String databaseOf(String url) {
    return TemporaryPostgres.databaseOf(url);
  }

  /** Stops the server (for tests that take the database away); {@link #restart()} brings it back. */
  public void stop() throws IOException, InterruptedException {
    server.stop();
  }

  /** Starts the stopped server again on the same port. */
  public void restart() throws IOException, InterruptedException {
    server.restart();
  }
}
