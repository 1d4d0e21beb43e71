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
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server, for the store tests and the {@code ca-store} benchmarks: Debian's
 * {@code postgresql} binaries from {@code /usr/lib/postgresql/<version>/bin}, a cluster made by
 * {@code initdb} in a new 0700 temporary directory, started by {@code pg_ctl} on an ephemeral port
 * on 127.0.0.1 only, with SCRAM password authentication for the superuser {@value #USER}.
 * PostgreSQL refuses to run as root, so as root the binaries run as the {@code postgres} OS user
 * ({@code runuser -u postgres}), which then owns the temporary directory. {@code fsync} is off:
 * the data lives for one run and is deleted by {@link #close()}.
 */
public final class TemporaryPostgres implements AutoCloseable {
  /** The superuser the cluster is created with. */
  public static final String USER = "gatehouse";
  /** How long one {@code initdb}/{@code pg_ctl} call may take. */
  private static final long COMMAND_TIMEOUT_SECONDS = 60;
  /** Attempts at a free port (another process may take the probed port before PostgreSQL binds it). */
  private static final int PORT_ATTEMPTS = 3;

  private final Path base;
  private final Path dataDir;
  private final Path binDir;
  private final int port;
  private final String password;

  private TemporaryPostgres(Path base, Path binDir, int port, String password) {
    this.base = base;
    this.dataDir = base.resolve("data");
    this.binDir = binDir;
    this.port = port;
    this.password = password;
  }

  /**
   * Creates and starts a cluster whose superuser has {@code password}.
   *
   * @throws IOException naming why it cannot run (no binaries, {@code initdb} or {@code pg_ctl}
   *     failed with their output)
   */
  public static TemporaryPostgres start(String password) throws IOException, InterruptedException {
    Path binDir = binaries();
    boolean root = runsAsRoot();
    Path base = Files.createTempDirectory("gatehouse-pg-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path pwFile = base.resolve("pw");
      Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", base.toString()));
      }
      run(asServerUser(List.of(binDir.resolve("initdb").toString(), "-D", base.resolve("data").toString(),
          "-U", USER, "--pwfile=" + pwFile, "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions",
          "--no-sync")));
      Files.deleteIfExists(pwFile);
      IOException last = null;
      for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        TemporaryPostgres server = new TemporaryPostgres(base, binDir, freePort(), password);
        try {
          server.restart();
          return server;
        } catch (IOException e) {
          last = e; // the port was taken between probing and binding: try another
        }
      }
      throw last;
    } catch (IOException | InterruptedException | RuntimeException e) {
      deleteTree(base);
      throw e;
    }
  }

  /**
   * The newest {@code bin} directory under {@code /usr/lib/postgresql} holding {@code initdb} and
   * {@code pg_ctl}.
   *
   * @throws IOException saying what is missing
   */
  public static Path binaries() throws IOException {
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

  /** The port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Environment for the CLI and stores: the superuser's password ({@value PostgresCertificateStore#PASSWORD_ENV}). */
  public Map<String, String> env() {
    return Map.of(PostgresCertificateStore.PASSWORD_ENV, password);
  }

  /**
   * Creates the empty database {@code name} (optionally a copy of {@code template}).
   *
   * @return its store URL, {@code postgresql://gatehouse@127.0.0.1:<port>/<name>}
   */
  public String createDatabase(String name, String template) throws SQLException {
    if (!name.matches("[a-z_][a-z0-9_]*") || (template != null && !template.matches("[a-z_][a-z0-9_]*"))) {
      throw new IllegalArgumentException("database names here are lower-case identifiers: " + name);
    }
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name + (template == null ? "" : " TEMPLATE " + template));
    }
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
  }

  /** A superuser JDBC connection (autocommit) to {@code database}. */
  public Connection connect(String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", password);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  /** The database name of a store URL made by {@link #createDatabase}. */
  public static String databaseOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** Stops the server at once (for tests that take the database away); {@link #restart()} brings it back. */
  public void stop() throws IOException, InterruptedException {
    run(asServerUser(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate",
        "-w", "stop")));
  }

  /** Starts the (stopped) server on its port, waiting until it accepts connections. */
  public void restart() throws IOException, InterruptedException {
    run(asServerUser(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "30",
        "-l", base.resolve("server.log").toString(),
        "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + base
            + " -c fsync=off -c max_connections=100",
        "start")));
  }

  /** Stops the server and deletes its data directory; best effort. */
  @Override
  public void close() {
    try {
      stop();
    } catch (IOException | InterruptedException ignored) {
      // already stopped
    }
    deleteTree(base);
  }

  private static boolean runsAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static List<String> asServerUser(List<String> command) {
    if (!runsAsRoot()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command.subList(0, Math.min(command.size(), 6))) + " failed: "
          + new String(output, StandardCharsets.UTF_8).trim().replaceAll("\\s+", " "));
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
