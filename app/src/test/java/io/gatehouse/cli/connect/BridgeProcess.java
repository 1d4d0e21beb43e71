package io.gatehouse.cli.connect;

import io.gatehouse.cli.CliChild;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gatehouse connect} in a child JVM, driven with raw JSON-RPC lines; records every stdout
 * line so a test can assert that each one is a JSON-RPC message.
 */
final class BridgeProcess implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  final Process process;
  final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  final StringBuffer stderr = new StringBuffer();
  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final OutputStream stdin;

  /** The command line that runs {@code gatehouse connect ARGS} from this test's class path. */
  static List<String> command(List<String> args) {
    List<String> connect = new ArrayList<>(List.of("connect"));
    connect.addAll(args);
    return CliChild.command(connect);
  }

  BridgeProcess(List<String> args) throws IOException {
    process = new ProcessBuilder(command(args)).start();
    stdin = process.getOutputStream();
    Thread out = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          stdout.add(line);
          try {
            frames.add(JSON.readTree(line));
          } catch (RuntimeException e) {
            // left in stdout; assertOnlyJsonRpc reports it
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    });
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          stderr.append(line).append('\n');
        }
      } catch (IOException ignored) {
        // process ended
      }
    });
    err.setDaemon(true);
    err.start();
  }

  void send(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Sends a request and returns the frame with its id (server notifications in between are skipped). */
  JsonNode request(int id, String method, String paramsJson) throws Exception {
    return request(id, method, paramsJson, Duration.ofSeconds(60));
  }

  JsonNode request(int id, String method, String paramsJson, Duration timeout) throws Exception {
    send("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}");
    return awaitId(id, timeout);
  }

  JsonNode awaitId(int id, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && frame.path("id").isNumber() && frame.path("id").asInt() == id) {
        return frame;
      }
      if (frame != null && frame.path("id").isNull() && frame.has("error")) {
        return frame;
      }
    }
    throw new AssertionError("no answer to request " + id + " within " + timeout + "; stderr:\n" + stderr);
  }

  /** The next frame (request or notification from the server) with {@code method}. */
  JsonNode awaitMethod(String method, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && method.equals(frame.path("method").asString(""))) {
        return frame;
      }
    }
    throw new AssertionError("no " + method + " within " + timeout + "; stderr:\n" + stderr);
  }

  /** An action that makes the server send something (e.g. a policy file touched). */
  interface Poke {
    void run() throws Exception;
  }

  /**
   * Waits for a {@code method} notification, doing {@code poke} at once and again every {@code every}
   * until it comes: the bridge opens its listening stream some time after initialize, and a poke
   * before that is lost, so poking again replaces a fixed sleep. {@code every} must exceed the
   * server's debounce of the change.
   */
  JsonNode awaitMethodPoking(String method, Duration timeout, Duration every, Poke poke) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      poke.run();
      try {
        return awaitMethod(method, every);
      } catch (AssertionError notYet) {
        if (System.nanoTime() >= deadline) {
          throw notYet;
        }
      }
    }
  }

  /** initialize + notifications/initialized, as a host does. */
  JsonNode initialize() throws Exception {
    return initialize(Duration.ofSeconds(120));   // a child JVM on a loaded machine
  }

  /** initialize (waiting up to {@code timeout}: the child JVM starts first) + notifications/initialized. */
  JsonNode initialize(Duration timeout) throws Exception {
    JsonNode result = request(1, "initialize", "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
        + "\"clientInfo\":{\"name\":\"raw-test\",\"version\":\"1\"}}", timeout);
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return result;
  }

  /** Every stdout line is one JSON-RPC 2.0 message. */
  void assertOnlyJsonRpc() {
    synchronized (stdout) {
      for (String line : stdout) {
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (RuntimeException e) {
          throw new AssertionError("stdout carried a non-JSON line: " + line);
        }
        assertThat(node.path("jsonrpc").asString("")).as(line).isEqualTo("2.0");
        assertThat(node.has("result") || node.has("error") || node.has("method")).as(line).isTrue();
      }
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // already gone
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroy();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
