package io.gatehouse.transport.server;

import io.gatehouse.transport.http.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol (HAProxy) at the front of the pipeline, chosen per connection by its peer
 * address: a trusted proxy must send a header first, the binary v2 or the v1 text (nginx's
 * {@code proxy_protocol on} sends only v1; trust comes from the peer address, not the version),
 * parsed by Netty's {@link HAProxyMessageDecoder}, and its TCP source address becomes the
 * connection's {@link ClientAddress}; a LOCAL header (the proxy's own health check) keeps the proxy's address. Any
 * other peer that sends a PROXY header (v1 or v2) is disconnected, so nobody can claim another
 * source; a peer that sends none is served directly.
 */
final class ProxyProtocolHandlers {
  private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandlers.class);

  private final List<IpSubnetFilterRule> trusted;

  /** @param trustedProxies literal addresses or CIDR blocks (validated by the config) */
  ProxyProtocolHandlers(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(ProxyProtocolHandlers::rule).toList();
  }

  private static IpSubnetFilterRule rule(String cidr) {
    int slash = cidr.indexOf('/');
    String address = slash < 0 ? cidr : cidr.substring(0, slash);
    InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address);
    int bits = slash < 0 ? ip.getAddress().length * 8 : Integer.parseInt(cidr.substring(slash + 1));
    return new IpSubnetFilterRule(ip, bits, IpFilterRuleType.ACCEPT);
  }

  /** Adds the handlers for {@code ch}'s peer: header required (trusted) or refused (anyone else). */
  void addHandlers(SocketChannel ch) {
    InetSocketAddress peer = ch.remoteAddress();
    if (peer != null && trusted.stream().anyMatch(r -> r.matches(peer))) {
      ch.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
      ch.pipeline().addLast("proxy-client", new TrustedHeader());
    } else {
      ch.pipeline().addLast("proxy-protocol", new UntrustedHeaderRefusal());
    }
  }

  /** Takes the client address from the trusted proxy's header, then leaves the pipeline. */
  private static final class TrustedHeader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof HAProxyMessage header)) {
        // The decoder fails (and closes) on anything but a header, so this cannot be reached
        // with data first; refuse rather than trust the proxy's own address by accident.
        io.netty.util.ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      try {
        if (header.command() == HAProxyCommand.PROXY) {
          HAProxyProxiedProtocol proto = header.proxiedProtocol();
          if (proto != HAProxyProxiedProtocol.TCP4 && proto != HAProxyProxiedProtocol.TCP6) {
            log.debug("closing connection from {}: PROXY header for {} (TCP only)",
                ctx.channel().remoteAddress(), proto);
            ctx.close();
            return;
          }
          InetAddress client = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
          ClientAddress.setProxied(ctx.channel(), new InetSocketAddress(client, header.sourcePort()));
        }
        ctx.pipeline().remove(this);
      } finally {
        header.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("closing connection from {}: bad PROXY header: {}", ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }

  /**
   * Looks at a connection's first bytes: a PROXY header (v1 or v2 signature) closes it; anything
   * else (a TLS ClientHello, an HTTP request line) passes on untouched as this handler leaves.
   */
  private static final class UntrustedHeaderRefusal extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      ProtocolDetectionResult<HAProxyProtocolVersion> detected = HAProxyMessageDecoder.detectProtocol(in);
      if (detected.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
        return;
      }
      if (detected.state() == ProtocolDetectionState.DETECTED) {
        log.debug("closing connection from {}: PROXY header from an untrusted address",
            ctx.channel().remoteAddress());
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      ctx.pipeline().remove(this); // hands the buffered bytes to the next handler
    }
  }
}
