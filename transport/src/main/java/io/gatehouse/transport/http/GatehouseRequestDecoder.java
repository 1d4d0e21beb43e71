package io.gatehouse.transport.http;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.List;

/** Wraps each aggregated request into the {@link GatehouseRequest} the stages work on. */
@Sharable
public final class GatehouseRequestDecoder extends MessageToMessageDecoder<FullHttpRequest> {
  private final McpJsonMapper jsonMapper;

  public GatehouseRequestDecoder(McpJsonMapper jsonMapper) {
    super(FullHttpRequest.class);
    this.jsonMapper = jsonMapper;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, FullHttpRequest msg, List<Object> out) {
    out.add(new GatehouseRequest(msg.retain(), ctx.channel(), jsonMapper));
  }
}
