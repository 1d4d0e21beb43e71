package io.gatehouse.ca.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file ({@code certs/ca/ca.db}). WAL journal with {@code
 * synchronous=FULL}: a commit survives power loss, and another process (the OCSP responder) reads
 * while this one writes. One connection per process, used by one thread at a time. Its schema is
 * created and upgraded here (schema 1 → 2 adds the keyed audit columns, 2 → 3 the EST tables); PostgreSQL's is applied
 * by Flyway from {@code db/postgresql/}.
 */
public final class SqliteCertificateStore extends JdbcCertificateStore {
  /** Below this much free space a failed write is reported as a full disk. */
  private static final long LOW_SPACE = 64 * 1024;

  private static final List<String> SCHEMA = List.of(
      "CREATE TABLE certificates ("
          + " serial VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " kind VARCHAR(16) NOT NULL,"
          + " subject VARCHAR(1024) NOT NULL,"
          + " roles VARCHAR(4096) NOT NULL,"
          + " not_before BIGINT NOT NULL,"
          + " not_after BIGINT NOT NULL,"
          + " issued_at BIGINT NOT NULL,"
          + " der BLOB NOT NULL,"
          + " revoked_at BIGINT,"
          + " revocation_reason INTEGER)",
      "CREATE TABLE counters (name VARCHAR(32) NOT NULL PRIMARY KEY, counter_value BIGINT NOT NULL)",
      "CREATE TABLE audit ("
          + " seq BIGINT NOT NULL PRIMARY KEY,"
          + " at_millis BIGINT NOT NULL,"
          + " action VARCHAR(32) NOT NULL,"
          + " serial VARCHAR(64) NOT NULL,"
          + " detail VARCHAR(4096) NOT NULL,"
          + " prev_hash CHAR(64) NOT NULL,"
          + " entry_hash CHAR(64) NOT NULL,"
          + " actor VARCHAR(256),"
          + " row_digest CHAR(64),"
          + " head_signature BLOB)",
      "INSERT INTO counters (name, counter_value) VALUES ('schema', " + SCHEMA_VERSION + ")",
      "INSERT INTO counters (name, counter_value) VALUES ('crl_number', 0)",
      "INSERT INTO counters (name, counter_value) VALUES ('revision', 0)",
      EstTables.SCHEMA.get(0), EstTables.SCHEMA.get(1), EstTables.SCHEMA.get(2));

  /** Schema 1 → 2: the keyed audit columns. Old entries keep NULLs and their unkeyed hashes. */
  private static final List<String> UPGRADE_1_TO_2 = List.of(
      "ALTER TABLE audit ADD COLUMN actor VARCHAR(256)",
      "ALTER TABLE audit ADD COLUMN row_digest CHAR(64)",
      "ALTER TABLE audit ADD COLUMN head_signature BLOB",
      "UPDATE counters SET counter_value = 2 WHERE name = 'schema'");

  /**
   * Schema 2 → 3: the EST tables become store tables. {@code IF NOT EXISTS}: a store EST wrote to
   * before keeps its rows; they are adopted into the chain by the next key-holding command (seal).
   */
  private static final List<String> UPGRADE_2_TO_3 = List.of(
      EstTables.SCHEMA.get(0), EstTables.SCHEMA.get(1), EstTables.SCHEMA.get(2),
      "UPDATE counters SET counter_value = 3 WHERE name = 'schema'");

  private SqliteCertificateStore(Path file, SingleConnection connection) {
    super("certificate store " + file, new Dialect(file), connection);
  }

  /** Creates a new, empty store; refuses when {@code file} exists. */
  public static SqliteCertificateStore create(Path file) throws StoreException {
    if (Files.exists(file)) {
      throw new StoreException("certificate store " + file + " already exists");
    }
    Connection connection = connect(file);
    try (Statement statement = connection.createStatement()) {
      for (String sql : SCHEMA) {
        statement.executeUpdate(sql);
      }
      connection.commit();
    } catch (SQLException e) {
      closeQuietly(connection);
      throw new StoreException("cannot create certificate store " + file + ": " + e.getMessage(), e);
    }
    return new SqliteCertificateStore(file, new SingleConnection(connection));
  }

  /**
   * Opens an existing store, checking that it is a readable Gatehouse store; a schema-1 store is
   * upgraded in place (its chain is keyed by the next command that holds the passphrase).
   */
  public static SqliteCertificateStore open(Path file) throws StoreException {
    if (!Files.isRegularFile(file)) {
      throw new StoreException("certificate store " + file + " is missing: run 'gatehouse ca init' first");
    }
    Connection connection = connect(file);
    try {
      long schema = JdbcCertificateStore.counter(connection, "schema");
      if (schema == 1 || schema == 2) {
        try (Statement statement = connection.createStatement()) {
          // Takes the write lock first, then re-reads: another process may have upgraded meanwhile.
          statement.executeUpdate("UPDATE counters SET counter_value = counter_value WHERE name = 'schema'");
          if (JdbcCertificateStore.counter(connection, "schema") == 1) {
            for (String sql : UPGRADE_1_TO_2) {
              statement.executeUpdate(sql);
            }
          }
          if (JdbcCertificateStore.counter(connection, "schema") == 2) {
            for (String sql : UPGRADE_2_TO_3) {
              statement.executeUpdate(sql);
            }
          }
        }
      } else if (schema != SCHEMA_VERSION) {
        throw new StoreException("certificate store " + file + " has unsupported schema " + schema);
      }
      connection.commit();
    } catch (SQLException e) {
      closeQuietly(connection);
      throw cannotOpen(file, e);
    } catch (StoreException e) {
      closeQuietly(connection);
      throw e;
    }
    return new SqliteCertificateStore(file, new SingleConnection(connection));
  }

  private static Connection connect(Path file) throws StoreException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(10_000);
    try {
      Connection connection = config.createConnection("jdbc:sqlite:" + file);
      connection.setAutoCommit(false);
      return connection;
    } catch (SQLException e) {
      throw cannotOpen(file, e);
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // nothing was written
    }
  }

  /**
   * Why the store cannot be opened. Only real corruption says "restore from a backup": a full disk
   * or a read-only directory must not send an operator to overwrite a good store (and lose the
   * revocations made since the backup).
   */
  private static StoreException cannotOpen(Path file, SQLException e) {
    if (isCorruption(e)) {
      return new StoreException("certificate store " + file
          + " is unreadable or corrupt (" + oneLine(message(e)) + "): restore it from a backup", e);
    }
    return new StoreException("certificate store " + file + " cannot be opened"
        + environmentHint(file, e) + " (" + oneLine(message(e)) + ")", e);
  }

  private static boolean isCorruption(SQLException e) {
    int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
    return code == SQLiteErrorCode.SQLITE_CORRUPT.code || code == SQLiteErrorCode.SQLITE_NOTADB.code;
  }

  /** ": the disk … is full" or ": … is read-only" when that is the cause, else "". */
  private static String environmentHint(Path file, SQLException e) {
    Path dir = file.toAbsolutePath().getParent();
    int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
    if (code == SQLiteErrorCode.SQLITE_READONLY.code || !Files.isWritable(dir)) {
      return ": " + dir + " is read-only (the store writes its journal next to it; make it writable)";
    }
    try {
      if (code == SQLiteErrorCode.SQLITE_FULL.code || Files.getFileStore(dir).getUsableSpace() < LOW_SPACE) {
        return ": the disk holding " + dir + " is full (free some space and retry)";
      }
    } catch (IOException ignored) {
      // no better hint than SQLite's own message
    }
    return "";
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** SQLite's differences. */
  private record Dialect(Path file) implements SqlDialect {
    @Override
    public void lockForWrite(Connection connection) {
      // The revision bump that opens every write transaction already holds SQLite's write lock.
    }

    @Override
    public void beginSnapshot(Connection connection) {
      // A WAL read transaction is a snapshot from its first read until commit.
    }

    @Override
    public void endSnapshot(Connection connection) {
      // nothing to undo
    }

    /** Adds {@code data_version}, which moves when any other connection commits, even by hand. */
    @Override
    public long changeMarker(Connection connection, long revision) throws SQLException {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("PRAGMA data_version")) {
        rs.next();
        return revision * 1_000_003L + rs.getLong(1);
      }
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
      return e instanceof SQLiteException sqlite
          && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY;
    }

    @Override
    public String explain(SQLException e) {
      return environmentHint(file, e) + " (" + oneLine(message(e)) + ")";
    }
  }

  /** The process's one connection, handed to one thread at a time. */
  private static final class SingleConnection implements ConnectionSource {
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    SingleConnection(Connection connection) {
      this.connection = connection;
    }

    @Override
    public Connection acquire() {
      lock.lock();
      return connection;
    }

    @Override
    public void release(Connection ignored) {
      lock.unlock();
    }

    @Override
    public void close() {
      lock.lock();
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing a read-only or broken connection has nothing left to lose
      } finally {
        lock.unlock();
      }
    }
  }
}
