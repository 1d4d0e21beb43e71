package io.gatehouse.ca.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLPeerUnverifiedException;

/** The peer of an HTTPS connection: the certificates it presented and its address. */
public final class HttpsPeer {
  private HttpsPeer() {}

  /** The client's certificate chain, or null when it presented none (or this is not TLS). */
  public static X509Certificate[] certificates(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return null;
    }
    try {
      Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
      return Arrays.stream(chain).filter(X509Certificate.class::isInstance)
          .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** The client's IP address as text, for logs, audit and per-source limits. */
  public static String source(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress address
        && address.getAddress() != null
        ? address.getAddress().getHostAddress()
        : "unknown";
  }
}
