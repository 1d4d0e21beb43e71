package io.gatehouse.transport.mcp.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

/**
 * The context lists only the header names the SDK's McpHeaderDecoder reads ({@code Mcp-Name},
 * {@code Mcp-Param-*}, any case) instead of copying every name per request.
 */
class McpContextKeysTest {
  @Test
  void onlyMcpNameAndMcpParamHeadersAreHandedToTheSdkDecoder() {
    for (CharSequence name : new CharSequence[] {"Mcp-Name", "mcp-name", "MCP-NAME",
        new AsciiString("mcp-name"), "Mcp-Param-Region", "mcp-param-region", "MCP-PARAM-X",
        "Mcp-Param-"}) {
      assertThat(McpContextKeys.decodedBySdk(name)).as(name.toString()).isTrue();
    }
    for (CharSequence name : new CharSequence[] {"Mcp-Method", "Mcp-Nam", "Mcp-Name2", "X-Mcp-Name",
        "Mcp-Param", "Mcp-Params-X", "Mcp-Session-Id", "MCP-Protocol-Version", "Host", ""}) {
      assertThat(McpContextKeys.decodedBySdk(name)).as(name.toString()).isFalse();
    }
  }
}
