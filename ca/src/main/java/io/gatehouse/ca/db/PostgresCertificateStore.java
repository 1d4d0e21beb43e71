package io.gatehouse.ca.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on PostgreSQL, for several {@code ca serve} nodes on one database. Connections come
 * from a HikariCP pool; the schema is Flyway's {@code db/postgresql/} and is applied only by
 * {@link #migrate} ({@code gatehouse ca db migrate}), never when a node starts, so nodes starting
 * together cannot race a migration.
 *
 * <p>Writers are serialised by {@code pg_advisory_xact_lock(}{@value #WRITER_LOCK}{@code )},
 * taken in every write transaction before it reads the chain head and released by its commit:
 * the chain stays linear, the serial check and insert happen under the lock (the primary key
 * would refuse a duplicate anyway) and CRL numbers only grow. Reads run in READ COMMITTED;
 * verification snapshots run in REPEATABLE READ.
 *
 * <p>Changes reach other nodes by LISTEN/NOTIFY on channel {@value #CHANNEL}: triggers notify on
 * every committed change to the store's tables, including ones made by hand in psql.
 */
public final class PostgresCertificateStore extends JdbcCertificateStore {
  /** Environment variable holding the database password. */
  public static final String PASSWORD_ENV = "GATEHOUSE_CA_DB_PASSWORD";
  /** Environment variable naming a 0600 file whose first line is the password. */
  public static final String PASSWORD_FILE_ENV = "GATEHOUSE_CA_DB_PASSWORD_FILE";
  /** The advisory lock key every writer takes ("GHCA" in ASCII). */
  public static final long WRITER_LOCK = 0x47484341L;
  /** The LISTEN/NOTIFY channel. */
  public static final String CHANNEL = "gatehouse_ca";
  /** Pool size per process: OCSP lookups, one writer, a verifier. */
  private static final int POOL_SIZE = 4;
  /** How long to wait for a connection before a request fails (and OCSP answers tryLater). */
  private static final long CONNECTION_TIMEOUT_MILLIS = 3_000;
  /**
   * How long the listener waits for a notification before it checks that its connection is alive
   * (a ping, not a poll for changes): also how soon a lost database is noticed.
   */
  private static final int LIVENESS_MILLIS = 2_000;
  /** Pause between reconnection attempts of the listener. */
  private static final long RECONNECT_MILLIS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(PostgresCertificateStore.class);

  private final StoreLocation location;
  private final Properties properties;

  private PostgresCertificateStore(StoreLocation location, Properties properties, HikariDataSource pool) {
    super(location.url(), new Dialect(), new Pool(pool));
    this.location = location;
    this.properties = properties;
  }

  /**
   * Opens the store and checks its schema.
   *
   * @param env where the password comes from ({@value #PASSWORD_ENV} or {@value #PASSWORD_FILE_ENV})
   */
  public static PostgresCertificateStore open(StoreLocation location, Map<String, String> env)
      throws StoreException {
    Properties properties = properties(location, env);
    warnIfUnauthenticated(location);
    HikariConfig config = new HikariConfig();
    config.setPoolName("gatehouse-ca-store");
    config.setJdbcUrl(location.jdbcUrl());
    config.setDataSourceProperties(properties);
    config.setAutoCommit(false);
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
    config.setInitializationFailTimeout(1); // one attempt: a node without its database must not start
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the CA store " + location.url() + ": " + rootMessage(e)
          + " (check the URL, the password in " + PASSWORD_ENV + " and that the database is up)", e);
    }
    PostgresCertificateStore store = new PostgresCertificateStore(location, properties, pool);
    try (Connection connection = pool.getConnection()) {
      long schema = counter(connection, "schema");
      connection.commit();
      if (schema != SCHEMA_VERSION) {
        store.close();
        throw new StoreException("the CA store " + location.url() + " has schema " + schema + ", this"
            + " Gatehouse needs " + SCHEMA_VERSION + ": run 'gatehouse ca db migrate'");
      }
    } catch (SQLException e) {
      store.close();
      throw new StoreException("the CA store " + location.url() + " has no Gatehouse schema ("
          + rootMessage(e) + "): run 'gatehouse ca db migrate' first", e);
    }
    return store;
  }

  /**
   * Applies the pending Flyway migrations ({@code classpath:db/postgresql}).
   *
   * @return how many migrations ran
   */
  public static int migrate(StoreLocation location, Map<String, String> env) throws StoreException {
    Properties properties = properties(location, env);
    StringBuilder url = new StringBuilder(location.jdbcUrl());
    String separator = "?";
    for (String name : properties.stringPropertyNames()) {
      if (!name.equals("password") && !name.equals("user")) {
        url.append(separator).append(name).append('=').append(properties.getProperty(name));
        separator = "&";
      }
    }
    try {
      MigrateResult result = Flyway.configure()
          .dataSource(url.toString(), properties.getProperty("user"), properties.getProperty("password"))
          .locations("classpath:db/postgresql")
          .table("gatehouse_schema_history")
          .load()
          .migrate();
      return result.migrationsExecuted;
    } catch (FlywayException e) {
      throw new StoreException("cannot migrate the CA store " + location.url() + ": " + rootMessage(e), e);
    }
  }

  @Override
  public boolean pushesChanges() {
    return true;
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) throws StoreException {
    Listener thread = new Listener(listener);
    try {
      thread.connect();
    } catch (SQLException e) {
      throw new StoreException("cannot LISTEN on the CA store " + location.url() + ": " + rootMessage(e), e);
    }
    thread.start();
    return thread::shutdown;
  }

  /** One dedicated connection blocked in LISTEN; reconnects when it breaks. */
  private final class Listener extends Thread {
    private final ChangeListener listener;
    private volatile boolean running = true;
    private volatile Connection connection;

    Listener(ChangeListener listener) {
      super("gatehouse-ca-listen");
      setDaemon(true);
      this.listener = listener;
    }

    void connect() throws SQLException {
      Connection fresh = DriverManager.getConnection(location.jdbcUrl(), properties);
      try (Statement statement = fresh.createStatement()) {
        statement.execute("LISTEN " + CHANNEL);
      }
      connection = fresh;
    }

    @Override
    public void run() {
      while (running) {
        try {
          PGNotification[] notifications =
              connection.unwrap(PGConnection.class).getNotifications(LIVENESS_MILLIS);
          if (notifications != null && notifications.length > 0) {
            java.util.Set<String> tables = new java.util.HashSet<>();
            for (PGNotification notification : notifications) {
              tables.add(notification.getParameter());
            }
            listener.changed(tables);
          } else if (!connection.isValid(LIVENESS_MILLIS / 1000)) {
            throw new SQLException("the database stopped answering");
          }
        } catch (SQLException e) {
          if (!running) {
            return;
          }
          listener.lost(rootMessage(e));
          closeQuietly();
          reconnect();
        }
      }
    }

    private void reconnect() {
      while (running) {
        try {
          Thread.sleep(RECONNECT_MILLIS);
          connect();
          LOG.info("CA store {}: notifications restored", location.url());
          listener.reconnected();
          return;
        } catch (SQLException e) {
          LOG.debug("CA store {}: still unreachable: {}", location.url(), rootMessage(e));
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void shutdown() {
      running = false;
      interrupt();
      closeQuietly();
    }

    private void closeQuietly() {
      try {
        Connection current = connection;
        if (current != null) {
          current.close();
        }
      } catch (SQLException ignored) {
        // a broken connection has nothing left to close
      }
    }
  }

  private static Properties properties(StoreLocation location, Map<String, String> env) throws StoreException {
    Properties properties = new Properties();
    properties.putAll(location.parameters());
    properties.setProperty("user", location.user() != null ? location.user() : System.getProperty("user.name"));
    String password = password(env);
    if (password != null) {
      properties.setProperty("password", password);
    }
    properties.setProperty("ApplicationName", "gatehouse-ca");
    properties.putIfAbsent("connectTimeout", "5");
    return properties;
  }

  /** The password from the environment or its 0600 file; null when neither is set (trust, peer, cert auth). */
  private static String password(Map<String, String> env) throws StoreException {
    String direct = env.get(PASSWORD_ENV);
    if (direct != null && !direct.isEmpty()) {
      return direct;
    }
    String file = env.get(PASSWORD_FILE_ENV);
    if (file == null || file.isEmpty()) {
      return null;
    }
    Path path = Path.of(file);
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
      if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        throw new StoreException(PASSWORD_FILE_ENV + " names " + path + ", which others can read: chmod 600 it");
      }
      String content = Files.readString(path, StandardCharsets.UTF_8);
      int end = content.indexOf('\n');
      String line = (end < 0 ? content : content.substring(0, end)).replace("\r", "");
      if (line.isEmpty()) {
        throw new StoreException(path + " (from " + PASSWORD_FILE_ENV + ") is empty");
      }
      return line;
    } catch (IOException | UnsupportedOperationException e) {
      throw new StoreException("cannot read " + path + " (from " + PASSWORD_FILE_ENV + ")", e);
    }
  }

  private static void warnIfUnauthenticated(StoreLocation location) {
    boolean loopback = location.host().equals("localhost") || location.host().startsWith("127.")
        || location.host().equals("::1") || location.host().startsWith("/");
    if (!location.verifiesServer() && !loopback) {
      LOG.warn("CA store {} is reached without server authentication: add"
          + " ?sslmode=verify-full&sslrootcert=FILE to the store URL", location.url());
    }
  }

  /** The innermost message, one line, with nothing that could be a secret (the driver never echoes passwords). */
  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return oneLine(message);
  }

  /** PostgreSQL's differences. */
  private static final class Dialect implements SqlDialect {
    @Override
    public void lockForWrite(Connection connection) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + WRITER_LOCK + ")");
      }
    }

    @Override
    public void beginSnapshot(Connection connection) throws SQLException {
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    }

    @Override
    public void endSnapshot(Connection connection) throws SQLException {
      connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }

    @Override
    public long changeMarker(Connection connection, long revision) {
      return revision; // edits by hand are pushed by the triggers instead
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
      return "23505".equals(e.getSQLState());
    }

    @Override
    public String explain(SQLException e) {
      return " (" + rootMessage(e) + ")";
    }
  }

  /** Connections from the pool, returned on release. */
  private record Pool(HikariDataSource pool) implements ConnectionSource {
    @Override
    public Connection acquire() throws SQLException {
      return pool.getConnection();
    }

    @Override
    public void release(Connection connection) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // the pool discards a broken connection itself
      }
    }

    @Override
    public void close() {
      pool.close();
    }
  }
}
