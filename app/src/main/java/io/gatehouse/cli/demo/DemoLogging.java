package io.gatehouse.cli.demo;

/**
 * Keeps the demo's output to its own lines: slf4j-simple reads these properties when each logger
 * is created, so they apply to every logger the demo's classes create after this call. Refusals
 * the demo provokes on purpose (401, 403) would otherwise be logged by the SDK client as errors.
 */
final class DemoLogging {
  private static final String PREFIX = "org.slf4j.simpleLogger.log.";

  private DemoLogging() {}

  static void quiet() {
    set("io.gatehouse", "warn");
    set("gatehouse.audit", "off");        // the audit trail goes to <dir>/demo/audit.log
    set("io.modelcontextprotocol", "off");
    set("reactor", "off");
    set("io.netty", "error");
    set("io.gatehouse.transport.auth", "error");
  }

  private static void set(String logger, String level) {
    if (System.getProperty(PREFIX + logger) == null) {
      System.setProperty(PREFIX + logger, level);
    }
  }
}
