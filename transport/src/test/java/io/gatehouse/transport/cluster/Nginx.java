package io.gatehouse.transport.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx (Debian's {@code nginx-light} or {@code nginx} with {@code libnginx-mod-stream})
 * started by a test with its own config in a temp dir: a stream (TCP) balancer on a free loopback
 * port, round robin over the given upstreams, TLS passed through, the PROXY protocol (v1, all
 * nginx sends) towards the upstreams from {@link #PROXY_ADDRESS}. Without nginx the test is
 * skipped loudly, and fails under {@code CI=true}.
 */
final class Nginx implements AutoCloseable {
  /** nginx connects to the upstreams from this address: the nodes' trusted proxy. */
  static final String PROXY_ADDRESS = "127.0.0.3";
  private static final List<Path> STREAM_MODULES = List.of(
      Path.of("/usr/lib/nginx/modules/ngx_stream_module.so"),
      Path.of("/usr/lib64/nginx/modules/ngx_stream_module.so"));

  private final Process process;
  private final int port;
  private final Path errorLog;

  private Nginx(Process process, int port, Path errorLog) {
    this.process = process;
    this.port = port;
    this.errorLog = errorLog;
  }

  /** Starts nginx in {@code dir} balancing over {@code upstreamPorts} on 127.0.0.1. */
  static Nginx start(Path dir, List<Integer> upstreamPorts) throws Exception {
    String binary = binary();
    if (binary == null) {
      unavailable("nginx is not installed (Debian: apt-get install nginx-light libnginx-mod-stream;"
          + " .ci/run installs it)");
    }
    String version = run(binary, "-V");
    String loadModule = "";
    if (version.contains("--with-stream=dynamic")) {
      Path module = STREAM_MODULES.stream().filter(Files::isRegularFile).findFirst().orElse(null);
      if (module == null) {
        unavailable("nginx's stream module is not installed (Debian: libnginx-mod-stream)");
      }
      loadModule = "load_module " + module + ";\n";
    } else if (!version.contains("--with-stream")) {
      unavailable("this nginx is built without the stream module");
    }
    Files.createDirectories(dir);
    Path errorLog = dir.resolve("error.log");
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      StringBuilder upstreams = new StringBuilder();
      upstreamPorts.forEach(p -> upstreams.append("    server 127.0.0.1:").append(p).append(";\n"));
      String conf = loadModule + """
          worker_processes 1;
          pid %s;
          error_log %s info;
          events { worker_connections 512; }
          stream {
            upstream gatehouse {
              # round robin (the default), no affinity
          %s  }
            server {
              listen 127.0.0.1:%d;
              proxy_pass gatehouse;
              proxy_protocol on;
              proxy_bind %s;
              proxy_connect_timeout 5s;
            }
          }
          """.formatted(dir.resolve("nginx.pid"), errorLog, upstreams, port, PROXY_ADDRESS);
      Path confFile = Files.writeString(dir.resolve("nginx.conf"), conf);
      Process process = new ProcessBuilder(binary, "-p", dir.toString(), "-c", confFile.toString(),
          "-e", errorLog.toString(), "-g", "daemon off;")
          .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
      Nginx nginx = new Nginx(process, port, errorLog);
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (System.nanoTime() < deadline && process.isAlive()) {
        try (Socket probe = new Socket()) {
          probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
          return nginx;
        } catch (IOException notYet) {
          last = notYet;
          Thread.sleep(50);
        }
      }
      nginx.close();
    }
    String out = Files.exists(dir.resolve("nginx.out")) ? Files.readString(dir.resolve("nginx.out")) : "";
    unavailable("nginx did not start: " + out.strip() + " " + (last == null ? "" : last));
    return null;
  }

  int port() {
    return port;
  }

  String errorLog() throws IOException {
    return Files.exists(errorLog) ? Files.readString(errorLog) : "";
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: nginx's fast shutdown
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static void unavailable(String why) {
    String message = "\n!!! SKIPPED: the 2-node nginx test cannot run: " + why + " !!!\n";
    System.err.println(message);
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(message);
    }
    Assumptions.abort(message);
  }

  private static String binary() {
    for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(":")) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, "nginx"))) {
          return Path.of(d, "nginx").toString();
        }
      }
    }
    return null;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
