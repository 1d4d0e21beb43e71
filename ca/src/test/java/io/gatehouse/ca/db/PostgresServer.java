package io.gatehouse.ca.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server for tests: Debian's {@code postgresql} binaries from {@code
 * /usr/lib/postgresql/<version>/bin}, a cluster made by {@code initdb} in a temporary directory,
 * started by {@code pg_ctl} on an ephemeral port on 127.0.0.1, with SCRAM password
 * authentication. PostgreSQL refuses to run as root, so as root the binaries run as the {@code
 * postgres} OS user ({@code runuser -u postgres}), which owns the temporary directory.
 *
 * <p>One server per test JVM, stopped at exit; every {@link #freshDatabase()} is a new, empty
 * database. When the binaries are missing or the server cannot start, tests are skipped with a
 * loud message — except under CI ({@code CI=true}), where .ci/run installs PostgreSQL and a skip
 * would hide a broken setup, so they fail.
 */
public final class PostgresServer {
  /** The superuser's password (the server listens on loopback only and lives for one test run). */
  public static final String PASSWORD = "gatehouse-test-db-password";
  public static final String USER = "gatehouse";

  private static PostgresServer instance;
  private static String unavailable;

  private final Path dataDir;
  private final Path binDir;
  private final int port;
  private final AtomicInteger databases = new AtomicInteger();
  private String template;

  private PostgresServer(Path binDir, Path dataDir, int port) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
  }

  /** The shared server, started on first use; skips (or fails under CI) when it cannot run. */
  public static synchronized PostgresServer get() {
    if (instance == null && unavailable == null) {
      try {
        instance = start();
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
    return port;
  }

  /** Environment for the CLI and stores: the database password. */
  public Map<String, String> env() {
    return Map.of(PostgresCertificateStore.PASSWORD_ENV, PASSWORD);
  }

  /** {@code postgresql://gatehouse@127.0.0.1:<port>/<database>} of a new, empty database. */
  public String freshDatabase() throws SQLException {
    String name = "ca_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
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
    String name = "ca_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name + " TEMPLATE " + template);
    }
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
  }

  /** A superuser JDBC connection (autocommit) to {@code database}, for tampering by hand. */
  public Connection connect(String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  /** The database name of a {@link #freshDatabase()} URL. */
  public static String databaseOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** Stops the server (for tests that take the database away); {@link #restart()} brings it back. */
  public void stop() throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name"));
    run(withUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate",
        "-w", "stop")));
  }

  /** Starts the stopped server again on the same port. */
  public void restart() throws IOException, InterruptedException {
    pgCtlStart(binDir, dataDir, port);
  }

  private static PostgresServer start() throws Exception {
    Path binDir = findBinaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path base = Files.createTempDirectory("gatehouse-pg-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path dataDir = base.resolve("data");
    Path pwFile = base.resolve("pw");
    Files.writeString(pwFile, PASSWORD + "\n", StandardCharsets.UTF_8);
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", base.toString()));
    }
    run(withUser(root, List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", USER,
        "--pwfile=" + pwFile, "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions", "--no-sync")));
    Files.deleteIfExists(pwFile);
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      try {
        pgCtlStart(binDir, dataDir, port);
        PostgresServer server = new PostgresServer(binDir, dataDir, port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.destroy(base)));
        return server;
      } catch (IOException e) {
        last = e; // the port was taken between probing and binding: try another
      }
    }
    throw last;
  }

  private static void pgCtlStart(Path binDir, Path dataDir, int port) throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name"));
    run(withUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "30",
        "-l", dataDir.resolveSibling("server.log").toString(),
        "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dataDir.getParent()
            + " -c fsync=off -c max_connections=100",
        "start")));
  }

  private void destroy(Path base) {
    try {
      boolean root = "root".equals(System.getProperty("user.name"));
      run(withUser(root, List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m",
          "immediate", "-w", "stop")));
    } catch (Exception ignored) {
      // already stopped
    }
    try (Stream<Path> walk = Files.walk(base)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }

  private static List<String> withUser(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static Path findBinaries() throws IOException {
    Path lib = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(lib)) {
      throw new IOException("/usr/lib/postgresql does not exist");
    }
    try (Stream<Path> versions = Files.list(lib)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(p -> p.getParent().getFileName().toString(),
              Comparator.comparingInt(v -> v.matches("\\d+") ? Integer.parseInt(v) : 0)))
          .orElseThrow(() -> new IOException("no initdb/pg_ctl under /usr/lib/postgresql/*/bin"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command.subList(0, Math.min(command.size(), 6))) + " failed: "
          + new String(output, StandardCharsets.UTF_8).trim().replaceAll("\\s+", " "));
    }
  }
}
