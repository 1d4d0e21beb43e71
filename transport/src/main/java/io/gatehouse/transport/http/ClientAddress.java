package io.gatehouse.transport.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The address of the client a connection serves: the peer, or, behind a trusted proxy speaking the
 * PROXY protocol, the client address the proxy reported. Lockout, audit and the MCP context all
 * use this one source.
 */
public final class ClientAddress {
  private static final AttributeKey<InetSocketAddress> PROXIED =
      AttributeKey.valueOf("gatehouse.proxied-client");

  private ClientAddress() {}

  /** The client behind {@code channel}. */
  public static SocketAddress of(Channel channel) {
    InetSocketAddress proxied = channel.attr(PROXIED).get();
    return proxied != null ? proxied : channel.remoteAddress();
  }

  /** Records the client a trusted proxy reported for {@code channel} (set once, before any request). */
  public static void setProxied(Channel channel, InetSocketAddress client) {
    channel.attr(PROXIED).set(client);
  }
}
