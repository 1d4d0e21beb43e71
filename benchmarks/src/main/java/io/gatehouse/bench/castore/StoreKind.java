package io.gatehouse.bench.castore;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.BenchPostgres;
import io.gatehouse.bench.support.TempDirs;
import io.gatehouse.ca.authority.KeyType;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The two CA stores compared, and the one benchmark CA per store a run shares between its JMH
 * forks: under the directory named by {@value #ROOT_PROPERTY} (set by {@link CaStoreSuite}) the
 * first fork creates it and later forks open it; the PostgreSQL one lives in the database the
 * runner named ({@link BenchPostgres.Database#fromSystemProperties()}). Without the runner's
 * properties (plain {@code --jmh}), each JVM makes its own, starting its own PostgreSQL.
 */
public enum StoreKind {
  SQLITE("SQLite"),
  POSTGRESQL("PostgreSQL");

  /** System property: the run-scoped directory holding the shared CA directories. */
  static final String ROOT_PROPERTY = "gatehouse.bench.caStore.root";
  /** Every CA of this suite: issuance cost depends on the key type, and the comparison is between stores. */
  static final KeyType KEY_TYPE = KeyType.EC_P256;

  private static final Map<StoreKind, BenchPki> SHARED = new EnumMap<>(StoreKind.class);
  private static BenchPostgres ownServer;

  private final String label;

  StoreKind(String label) {
    this.label = label;
  }

  /** How reports name it. */
  public String label() {
    return label;
  }

  /** The JMH parameter value ({@code sqlite}, {@code postgresql}). */
  public String param() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The kind a JMH parameter value names. */
  public static StoreKind ofParam(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** The directory of this store's shared CA under the run's {@code root}. */
  Path sharedDir(Path root) {
    return root.resolve(param());
  }

  /** This JVM's benchmark CA on this store (do not close it). */
  BenchPki shared() {
    synchronized (SHARED) {
      BenchPki pki = SHARED.get(this);
      if (pki == null) {
        pki = openShared();
        SHARED.put(this, pki);
      }
      return pki;
    }
  }

  /**
   * Closes this JVM's shared CAs (their store connections): the runner calls it before it stops
   * the server and deletes the directories, which matters when JMH ran in this JVM (smoke mode).
   */
  static void closeShared() {
    synchronized (SHARED) {
      SHARED.values().forEach(BenchPki::close);
      SHARED.clear();
    }
  }

  private BenchPki openShared() {
    String root = System.getProperty(ROOT_PROPERTY);
    Path dir = root != null ? sharedDir(Path.of(root)) : TempDirs.create("ca-store-" + param());
    if (root == null) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirs.delete(dir)));
    }
    if (this == SQLITE) {
      return BenchPki.openOrCreate(dir, KEY_TYPE, null, Map.of());
    }
    BenchPostgres.Database database = BenchPostgres.Database.fromSystemProperties();
    if (database == null) {
      database = ownDatabase();
    }
    return BenchPki.openOrCreate(dir, KEY_TYPE, database.url(), database.env());
  }

  /** A PostgreSQL server for this JVM alone (no runner), removed at exit. */
  private static BenchPostgres.Database ownDatabase() {
    try {
      ownServer = BenchPostgres.start();
      Runtime.getRuntime().addShutdownHook(new Thread(ownServer::close));
      return ownServer.migratedDatabase("bench_ca_store");
    } catch (Exception e) {
      throw new IllegalStateException(CaStoreSuite.postgresMissing(e.getMessage()), e);
    }
  }
}
