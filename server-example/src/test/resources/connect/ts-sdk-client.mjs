// The MCP TypeScript SDK's stdio client against `gatehouse connect` (ConnectBridgeTest runs it
// with the SDK installed next to it). Input: env GATEHOUSE_CONNECT_COMMAND, a JSON array
// [command, ...args]. Output: one JSON object on stdout with what the client saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = JSON.parse(process.env.GATEHOUSE_CONNECT_COMMAND);
const transport = new StdioClientTransport({ command, args, stderr: "inherit" });
const client = new Client({ name: "gatehouse-ts-sdk-test", version: "1.0.0" });
const report = {};
try {
  await client.connect(transport);
  report.protocolVersion = transport._protocolVersion ?? null;
  report.tools = (await client.listTools()).tools.map((t) => t.name);
  const who = await client.callTool({ name: "whoami", arguments: {} });
  report.whoami = who.structuredContent ?? null;
  try {
    await client.callTool({ name: "crm.get_customer", arguments: { customer_id: "C-500" } });
    report.forbidden = null;
  } catch (e) {
    report.forbidden = { code: e.code, message: e.message };
  }
  // Resources and prompts, when the server has them (ConnectGenerationsTest's servers do).
  const capabilities = client.getServerCapabilities() ?? {};
  if (capabilities.resources) {
    report.resources = (await client.listResources()).resources.map((r) => r.uri);
    report.resourceText = (await client.readResource({ uri: report.resources[0] })).contents[0].text;
  }
  if (capabilities.prompts) {
    const prompt = (await client.listPrompts()).prompts[0].name;
    report.prompt = (await client.getPrompt({ name: prompt, arguments: { name: "Ada" } })).messages[0].content.text;
  }
} catch (e) {
  report.failure = String(e && e.stack ? e.stack : e);
} finally {
  await client.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
