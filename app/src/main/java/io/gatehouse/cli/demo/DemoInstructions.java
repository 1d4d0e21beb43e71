package io.gatehouse.cli.demo;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Step 8: where everything runs and exact commands to try by hand. */
public final class DemoInstructions {
  private DemoInstructions() {}

  /** Prints step 8 for a running {@code demo}. */
  public static void print(Demo demo, PrintWriter out) {
    Path clients = demo.layout().clientsDir();
    Path chain = demo.layout().chain();
    Identity tokenOnly = Demo.IDENTITIES.stream().filter(i -> !i.certificate()).findFirst().orElseThrow();
    String mcp = demo.mcpUrl();
    String json = "-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'";
    String cert = "--cert " + clients.resolve("alice.crt") + " --key " + clients.resolve("alice.key")
        + " --cacert " + chain;
    out.println("✓ " + Demo.STEPS + "/" + Demo.STEPS + "  Servers running until Ctrl-C:");
    out.println("      MCP server   " + mcp);
    out.println("                   config " + demo.serverConfigFile() + ", policy " + demo.policyFile()
        + " (edit it: reloaded within a second)");
    out.println("      CA service   " + demo.caUrl() + "/ocsp  " + demo.caUrl() + "/crl  " + demo.caUrl() + "/jwks.json");
    out.println("      CA HTTPS     " + demo.caHttpsUrl() + "/.well-known/est/  " + demo.caHttpsUrl() + "/token");
    out.println("      Audit log    " + demo.auditLog());
    out.println();
    out.println("   As alice (client certificate): open a session, then call a tool with its id");
    out.println("      SID=$(curl -s -D - -o /dev/null " + cert + " " + json + " \\");
    out.println("        -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"curl\",\"version\":\"1\"}}}' \\");
    out.println("        " + mcp + " | tr -d '\\r' | awk 'tolower($1)==\"mcp-session-id:\" {print $2}')");
    out.println("      curl -s " + cert + " " + json + " -H \"Mcp-Session-Id: $SID\" \\");
    out.println("        -d '{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"arguments\":{}}}' " + mcp);
    out.println();
    out.println("   As " + tokenOnly.name() + " (bearer JWT, no certificate): the same with");
    out.println("      --cacert " + chain + " -H \"Authorization: Bearer $(cat " + demo.tokenFile(tokenOnly) + ")\"");
    out.println();
    out.println("   MCP client config (VS Code .vscode/mcp.json; Node clients also need NODE_EXTRA_CA_CERTS=" + chain + "):");
    out.println("      {\"servers\": {\"gatehouse\": {\"type\": \"http\", \"url\": \"" + mcp + "\",");
    out.println("        \"headers\": {\"Authorization\": \"Bearer <contents of " + demo.tokenFile(tokenOnly) + ">\"}}}}");
    out.println("   Java (MCP SDK) and TypeScript (undici Agent) clients with certificates: README.md.");
    out.println();
    out.println("   Ctrl-C stops both servers.");
  }
}
