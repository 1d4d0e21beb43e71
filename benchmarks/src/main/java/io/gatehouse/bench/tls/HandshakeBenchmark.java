package io.gatehouse.bench.tls;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.GatehouseTarget;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.ServerTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * New mTLS connections to a real Gatehouse server on loopback: TCP connect, TLS 1.3 handshake with
 * a client certificate, one {@code GET /healthz}, close. {@code full} offers no session to resume;
 * {@code resumed} offers the ticket from the previous connection (PSK, no certificates); setup
 * checks which one happened by counting the client certificate requests. Client
 * and server use the same provider and share the machine's cores, so a score is the cost of both
 * ends of one connection.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class HandshakeBenchmark {
  @Param({"JDK", "OPENSSL"})
  public String provider;

  @Param({"EC_P256", "RSA_2048"})
  public String keyType;

  @Param({"full", "resumed"})
  public String session;

  private BenchPki pki;
  private GatehouseTarget server;
  private EventLoopGroup group;
  private SslContext clientTls;
  private Bootstrap bootstrap;
  private boolean resume;
  private CountingKeyManager keys;

  @Setup
  public void setUp() throws Exception {
    pki = BenchPki.shared(KeyType.valueOf(keyType));
    BenchPki.Leaf serverLeaf = pki.server();
    BenchPki.Leaf client = pki.client("alice", "viewer");
    TransportConfig.TlsProvider choice = TransportConfig.TlsProvider.valueOf(provider);
    server = GatehouseTarget.withoutAuth(GatehouseTarget.config(serverLeaf.certificatePem(),
        serverLeaf.keyPem(), pki.chainPem(), choice));
    keys = new CountingKeyManager(PemSslContexts.keyManager(client.certificatePem(), client.keyPem()));
    clientTls = SslContextBuilder.forClient()
        .sslProvider(ServerTls.provider(choice))
        .protocols("TLSv1.3")
        .keyManager(keys)
        .trustManager(pki.chainPem().toFile())
        .endpointIdentificationAlgorithm(null) // the same work with and without a peer host
        .build();
    resume = session.equals("resumed");
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class);
    connect(); // a first session for "resumed", and a check that the whole exchange works
    int before = keys.certificateRequests();
    for (int i = 0; i < 3; i++) {
      connect();
    }
    int full = keys.certificateRequests() - before;
    if (full != (resume ? 0 : 3)) {
      throw new IllegalStateException(session + " handshakes with " + provider + ": " + full
          + " of 3 asked for the client certificate");
    }
  }

  @TearDown
  public void tearDown() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    server.close();
  }

  /** One new connection: connect, handshake, GET /healthz, close. */
  @Benchmark
  public int connect() throws Exception {
    Promise<FullHttpResponse> response = group.next().newPromise();
    Channel channel = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        SslHandler tls = resume
            ? clientTls.newHandler(ch.alloc(), "localhost", server.port())
            : clientTls.newHandler(ch.alloc());
        ch.pipeline().addLast(tls, new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
            new SimpleChannelInboundHandler<FullHttpResponse>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                response.trySuccess(msg.retain());
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                response.tryFailure(cause);
                ctx.close();
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                response.tryFailure(new IllegalStateException("connection closed before a response"));
              }
            });
      }
    }).connect("127.0.0.1", server.port()).sync().channel();
    FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz");
    get.headers().set(HttpHeaderNames.HOST, "localhost:" + server.port());
    channel.writeAndFlush(get);
    FullHttpResponse answer = response.get(10, TimeUnit.SECONDS);
    try {
      int status = answer.status().code();
      if (status != 200) {
        throw new IllegalStateException("GET /healthz answered " + status);
      }
      return status;
    } finally {
      answer.release();
      channel.close().sync();
    }
  }
}
