package io.gatehouse.ca.serve;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.admin.AdminHttpHandler;
import io.gatehouse.ca.admin.AdminRevocation;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.db.ChangeListener;
import io.gatehouse.ca.db.StoreIntegrity;
import io.gatehouse.ca.est.EnrollmentTokens;
import io.gatehouse.ca.est.EstHttpHandler;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.oauth.OAuthHttpHandler;
import io.gatehouse.ca.oauth.TokenEndpoint;
import io.gatehouse.ca.ocsp.OcspResponder;
import io.gatehouse.ca.ocsp.OcspSigner;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.token.TokenMinter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ca serve}: OCSP, CRL, JWKS and {@code /readyz} over HTTP (optionally HTTPS). The store is
 * verified against its signed audit chain at start and on every change noticed: SQLite's change
 * marker is polled every {@value #WATCH_MILLIS} ms (a local file read), PostgreSQL pushes changes
 * by LISTEN/NOTIFY; either way a revocation made by another process or node is answered within a
 * second. A watcher also re-signs the CRL and rotates the delegated OCSP signer when due.
 */
public final class CaService implements AutoCloseable {
  /** Store polling interval. */
  public static final long WATCH_MILLIS = 200;
  /** Requests queued per worker before new ones get 503. */
  private static final int MAX_PENDING = 1024;
  /** Largest request body (an OCSP request for 16 certificates is well under 2 KiB). */
  public static final int MAX_BODY = 16 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(CaService.class);

  /**
   * How to serve.
   *
   * @param bind address to bind
   * @param port TCP port, 0 for any free port
   * @param ocspValidity nextUpdate − thisUpdate of OCSP responses
   * @param tlsCertificate server certificate chain (PEM) for HTTPS, or null for HTTP
   * @param tlsKey its private key (PKCS#8 PEM), or null
   */
  public record Options(String bind, int port, Duration ocspValidity, Path tlsCertificate, Path tlsKey,
      Https https) {
    /** Without the HTTPS listener: {@code port} speaks HTTPS when a TLS certificate is given. */
    public Options(String bind, int port, Duration ocspValidity, Path tlsCertificate, Path tlsKey) {
      this(bind, port, ocspValidity, tlsCertificate, tlsKey, null);
    }
  }

  /**
   * The HTTPS listener (EST). With it, {@code port} is plain HTTP for OCSP, CRL and JWKS only, and
   * {@code tlsCertificate}/{@code tlsKey}, when given, are this listener's certificate; else the CA
   * issues one to itself for {@code dnsNames}/{@code ipAddresses} and renews it.
   *
   * @param port TCP port, 0 for any free port
   * @param dnsNames DNS names of the self-issued certificate
   * @param ipAddresses IP addresses of the self-issued certificate
   * @param limits EST rate limits
   * @param resources resource URLs (RFC 8707) the token endpoint mints tokens for; empty: none
   */
  public record Https(int port, List<String> dnsNames, List<String> ipAddresses, EstService.Limits limits,
      List<String> resources) {
    /** Default {@code --https-port}. */
    public static final int DEFAULT_PORT = 8090;

    public Https {
      dnsNames = List.copyOf(dnsNames);
      ipAddresses = List.copyOf(ipAddresses);
      resources = List.copyOf(resources);
    }

    /** Without registered resources: the token endpoint refuses every request with invalid_target. */
    public Https(int port, List<String> dnsNames, List<String> ipAddresses, EstService.Limits limits) {
      this(port, dnsNames, ipAddresses, limits, List.of());
    }
  }

  private final EventLoopGroup loops;
  private final EventExecutorGroup workers;
  private final ScheduledExecutorService watcher;
  private final Channel channel;
  private final ChannelGroup connections;
  private final boolean tls;
  private volatile Channel httpsChannel;
  private volatile HttpsIdentity httpsIdentity;
  private volatile TokenEndpoint tokenEndpoint;
  private volatile EstService estService;
  private final AutoCloseable subscription;

  private CaService(EventLoopGroup loops, EventExecutorGroup workers, ScheduledExecutorService watcher,
      Channel channel, ChannelGroup connections, boolean tls, AutoCloseable subscription) {
    this.subscription = subscription;
    this.connections = connections;
    this.loops = loops;
    this.workers = workers;
    this.watcher = watcher;
    this.channel = channel;
    this.tls = tls;
  }

  /** Starts serving {@code ca}; the issuing key signs the CRL and OCSP signer certificates only. */
  public static CaService start(CertificateAuthority ca, IssuerKey issuerKey, JwtSigningKey jwt,
      Options options, Clock clock) throws CaException {
    SslContext ssl = options.https() == null ? sslContext(options) : null;
    Issuer issuer = new Issuer(ca, issuerKey, clock);
    ca.ensureAuthorized(issuerKey);
    StoreIntegrity integrity = new StoreIntegrity(ca.store(), ca.headVerifier());
    integrity.refresh();
    if (!integrity.failed()) {
      LOG.info("CA store {} verified: audit chain and every certificate row match", ca.store().describe());
    }
    OcspResponder responder = new OcspResponder(ca.store(), integrity, ca.issuerCertificate(),
        OcspSigner.issue(issuer), options.ocspValidity(), clock);
    CrlPublisher crl = new CrlPublisher(ca.store(), integrity, issuerKey);
    if (!integrity.failed()) {
      crl.regenerate(clock.instant());
    }
    long[] revision = {ca.store().changeMarker()};
    // Our own start-up writes (signer, CRL) are not edits by hand; the marker above includes them.
    integrity.changeBaseline();
    Watcher watch = new Watcher(ca, issuer, responder, crl, integrity, revision, clock);

    byte[] jwks = jwt.publicJwks().toString(true).getBytes(StandardCharsets.UTF_8);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventExecutorGroup workers = new DefaultEventExecutorGroup(2, new DefaultThreadFactory("gatehouse-ca-worker"),
        MAX_PENDING, RejectedExecutionHandlers.reject());
    ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "gatehouse-ca-watcher");
      thread.setDaemon(true);
      return thread;
    });
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    try {
      Channel channel = new ServerBootstrap()
          .group(loops)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              connections.add(ch);
              ChannelPipeline pipeline = ch.pipeline();
              if (ssl != null) {
                pipeline.addLast("tls", ssl.newHandler(ch.alloc()));
              }
              pipeline.addLast("idle", new ReadTimeoutHandler(30));
              pipeline.addLast("http", new HttpServerCodec(4096, 8192, 8192));
              pipeline.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
              pipeline.addLast("routes",
                  new CaHttpHandler(responder, crl::current, jwks, clock::instant, workers.next(),
                      integrity::notReadyReason));
            }
          })
          .bind(new InetSocketAddress(options.bind(), options.port()))
          .sync()
          .channel();
      AutoCloseable subscription = null;
      if (ca.store().pushesChanges()) {
        subscription = ca.store().subscribe(new ChangeListener() {
          @Override
          public void changed() {
            watch.changeNoticed(watcher, false);
          }

          @Override
          public void changed(java.util.Set<String> tables) {
            watch.changeNoticed(watcher, !tables.contains("audit"));
          }

          @Override
          public void lost(String reason) {
            integrity.unreachable(clock.instant(), reason);
          }

          @Override
          public void reconnected() {
            watcher.execute(() -> watch.reconnected());
          }
        });
      }
      CaService service = new CaService(loops, workers, watcher, channel, connections, ssl != null, subscription);
      if (options.https() != null) {
        try {
          service.startHttps(ca, issuer, jwt, integrity, responder, watch, options, clock);
        } catch (Exception e) {
          service.close();
          throw e;
        }
      }
      HttpsIdentity https = service.httpsIdentity;
      EstService est = service.estService;
      watcher.scheduleWithFixedDelay(() -> {
        watch.tick();
        if (https != null) {
          https.reloadIfChanged();
          if (integrity.notReadyReason() == null) {
            https.renewIfDue();
          }
        }
        if (est != null) {
          try {
            est.flushRefusals(false);
          } catch (RuntimeException e) { // an exception would cancel this timer for good
            LOG.warn("CA watcher: cannot write EST refusal counts: {}", e.toString());
          }
        }
      }, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
      return service;
    } catch (Exception e) {
      watcher.shutdownNow();
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (e instanceof CaException known) {
        throw known;
      }
      throw new CaException("cannot listen on " + options.bind() + ":" + options.port()
          + (options.https() == null ? "" : " and " + options.https().port()) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The HTTPS listener: EST under {@value EstHttpHandler#PREFIX}, the authorization server (RFC 8414
   * metadata, {@code /jwks.json}, {@code POST /token}) whose issuer is this listener's URL, and
   * {@value AdminRevocation#PATH} for CA administrators.
   */
  private void startHttps(CertificateAuthority ca, Issuer issuer, JwtSigningKey jwt, StoreIntegrity integrity,
      OcspResponder responder, Watcher watch, Options options, Clock clock)
      throws CaException, InterruptedException {
    Https https = options.https();
    if ((options.tlsCertificate() == null) != (options.tlsKey() == null)) {
      throw new io.gatehouse.ca.InvalidRequestException("--tls-cert and --tls-key go together");
    }
    HttpsIdentity identity = options.tlsCertificate() != null
        ? HttpsIdentity.fromFiles(ca, options.tlsCertificate(), options.tlsKey())
        : HttpsIdentity.selfIssued(ca, issuer, https.dnsNames(), https.ipAddresses(), clock);
    // Every EST, token and admin decision reads the store (provisioners, spent tokens, enrollments,
    // the presented certificate's row) without checking those rows itself: sweep the whole store
    // (new entries, then every row) right before, so a row edited by hand is never acted on, even
    // in the 200 ms before the watcher notices. Runs on a worker (after EST's per-source rate
    // limit). This is the one path whose cost still grows with the store (docs/ca.md).
    java.util.function.Supplier<String> verifiedNow = () -> {
      try {
        integrity.sweep();
      } catch (io.gatehouse.ca.db.StoreException e) {
        return "store unreachable: " + e.getMessage();
      }
      return integrity.notReadyReason();
    };
    EstService est = new EstService(ca, issuer, new EnrollmentTokens(jwt, ca.config()), clock, https.limits(),
        verifiedNow);
    estService = est;
    // A revocation drops cached OCSP answers at once; the watcher then re-signs the CRL.
    AdminRevocation admin = new AdminRevocation(ca, clock, verifiedNow, () -> {
      responder.invalidate();
      try {
        watcher.execute(watch::storeChanged);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // shutting down: the revocation is committed; the next start reads it
      }
    });
    TokenEndpoint.checkResources(https.resources());
    byte[] jwks = jwt.publicJwks().toString(true).getBytes(StandardCharsets.UTF_8);
    httpsIdentity = identity;
    if (https.port() != 0) { // the URL is known before binding: no connection is ever without the endpoint
      tokenEndpoint = new TokenEndpoint(ca, new TokenMinter(jwt, ca.config(),
          tokenIssuer(ca.config().issuer(), https, https.port())), https.resources(), clock, verifiedNow);
    }
    httpsChannel = new ServerBootstrap()
        .group(loops)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            ChannelPipeline pipeline = ch.pipeline();
            pipeline.addLast("tls", identity.context().newHandler(ch.alloc()));
            pipeline.addLast("idle", new ReadTimeoutHandler(30));
            pipeline.addLast("http", new HttpServerCodec(4096, 8192, 8192));
            pipeline.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
            EventExecutor worker = workers.next();
            TokenEndpoint oauth = tokenEndpoint;
            if (oauth != null) { // null only while binding port 0, before the URL is known
              pipeline.addLast("oauth", new OAuthHttpHandler(oauth, jwks, worker));
            }
            pipeline.addLast("admin", new AdminHttpHandler(admin, worker));
            pipeline.addLast("est", new EstHttpHandler(est, worker));
          }
        })
        .bind(new InetSocketAddress(options.bind(), https.port()))
        .sync()
        .channel();
    if (tokenEndpoint == null) {
      tokenEndpoint = new TokenEndpoint(ca, new TokenMinter(jwt, ca.config(),
          tokenIssuer(ca.config().issuer(), https, httpsPort())), https.resources(), clock, verifiedNow);
    }
    String tokenIssuer = tokenEndpoint.issuer();
    if (https.resources().isEmpty()) {
      LOG.warn("no --resource registered: the token endpoint {}{} refuses every request (invalid_target)",
          tokenIssuer, TokenEndpoint.TOKEN_PATH);
    }
  }

  /**
   * The authorization server's issuer: {@code issuer} of ca.json when it is an https URL (the
   * public name set with {@code ca init --issuer}), else {@code https://<first --https-dns>:<port>},
   * the name in the listener's certificate.
   */
  static String tokenIssuer(String configured, Https https, int port) {
    if (configured != null && configured.startsWith("https://")) {
      return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
    }
    if (configured != null) {
      LOG.warn("ca.json issuer {} is not an https URL: the token endpoint's issuer is this listener's URL",
          configured);
    }
    String host = !https.dnsNames().isEmpty() ? https.dnsNames().get(0)
        : https.ipAddresses().isEmpty() ? "127.0.0.1" : https.ipAddresses().get(0);
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "https://" + host + ":" + port;
  }

  /** The authorization server's issuer (the {@code iss} of its tokens), or null without the HTTPS listener. */
  public String tokenIssuer() {
    TokenEndpoint endpoint = tokenEndpoint;
    return endpoint == null ? null : endpoint.issuer();
  }

  /** The bound HTTPS port, or -1 without the HTTPS listener. */
  public int httpsPort() {
    Channel https = httpsChannel;
    return https == null ? -1 : ((InetSocketAddress) https.localAddress()).getPort();
  }

  /** {@code https://host:port} of the HTTPS listener, or null without it. */
  public String httpsUrl() {
    Channel https = httpsChannel;
    return https == null ? null : url("https://", (InetSocketAddress) https.localAddress());
  }

  /** The HTTPS listener's certificate source (tests: refused reloads). */
  HttpsIdentity httpsIdentity() {
    return httpsIdentity;
  }

  /** The HTTPS listener's current certificate, or null without it. */
  public java.security.cert.X509Certificate httpsCertificate() {
    HttpsIdentity identity = httpsIdentity;
    return identity == null ? null : identity.certificate();
  }

  /**
   * Keeps the served state in step with the store: on every change (polled from SQLite's change
   * marker, pushed by PostgreSQL's NOTIFY) it verifies the new entries and the rows they name
   * ({@link StoreIntegrity#changed}), drops cached OCSP answers and re-signs the CRL when a
   * revocation was recorded; on a timer it sweeps every row ({@link StoreIntegrity#SWEEP_PERIOD}),
   * rotates the OCSP signer and refreshes the CRL.
   */
  private record Watcher(CertificateAuthority ca, Issuer issuer, OcspResponder responder,
      CrlPublisher crl, StoreIntegrity integrity, long[] marker, Clock clock,
      java.util.concurrent.atomic.AtomicBoolean changeQueued,
      java.util.concurrent.atomic.AtomicBoolean byHandQueued) {
    Watcher(CertificateAuthority ca, Issuer issuer, OcspResponder responder, CrlPublisher crl,
        StoreIntegrity integrity, long[] marker, Clock clock) {
      this(ca, issuer, responder, crl, integrity, marker, clock, new java.util.concurrent.atomic.AtomicBoolean(),
          new java.util.concurrent.atomic.AtomicBoolean());
    }

    /**
     * A pushed change: queues one {@link #storeChanged} on {@code executor} unless one is queued
     * and not started yet (a burst of notifications is one check, not one per notification).
     * {@code byHand}: the change wrote no audit entry, so every row is swept.
     */
    void changeNoticed(java.util.concurrent.Executor executor, boolean byHand) {
      if (byHand) {
        byHandQueued.set(true);
      }
      if (changeQueued.compareAndSet(false, true)) {
        executor.execute(() -> {
          changeQueued.set(false);
          pushedChange(byHandQueued.getAndSet(false));
        });
      }
    }

    private void pushedChange(boolean byHand) {
      try {
        responder.invalidate();
        integrity.changed(!byHand);
        afterChange();
      } catch (Exception e) {
        LOG.warn("CA watcher: {}", e.getMessage());
      }
    }

    void tick() {
      try {
        integrity.sweepIfDue(clock.instant());
        if (responder.signer().needsRotation(clock.instant()) && integrity.notReadyReason() == null) {
          responder.replaceSigner(OcspSigner.issue(issuer));
          LOG.info("rotated the OCSP signing certificate");
        }
        if (!ca.store().pushesChanges()) {
          long current = ca.store().changeMarker();
          if (current != marker[0]) {
            marker[0] = current;
            storeChanged();
            return;
          }
        }
        if (crl.due(clock.instant()) && integrity.notReadyReason() == null) {
          crl.regenerate(clock.instant());
        }
      } catch (Exception e) {
        LOG.warn("CA watcher: {}", e.getMessage());
      }
    }

    void storeChanged() {
      try {
        responder.invalidate();
        integrity.changed();
        afterChange();
      } catch (Exception e) {
        LOG.warn("CA watcher: {}", e.getMessage());
      }
    }

    private void afterChange() throws Exception {
      responder.invalidate();
      if (integrity.notReadyReason() == null) {
        // Only a new revocation re-signs: a CRL number drawn by another node's CRL is itself a
        // change, and must not start a round of re-signing.
        crl.regenerateIfRevocationsChanged(clock.instant());
      }
    }

    void reconnected() {
      try {
        // Notifications were lost while the store was away: edits by hand among them too.
        integrity.sweep();
        responder.invalidate();
        integrity.reachable();
        LOG.info("CA store {} reachable again", ca.store().describe());
        storeChanged();
      } catch (Exception e) {
        LOG.warn("CA watcher: store still unusable: {}", e.getMessage());
      }
    }
  }

  private static SslContext sslContext(Options options) throws CaException {
    if (options.tlsCertificate() == null && options.tlsKey() == null) {
      return null;
    }
    if (options.tlsCertificate() == null || options.tlsKey() == null) {
      throw new io.gatehouse.ca.InvalidRequestException("--tls-cert and --tls-key go together");
    }
    try {
      return SslContextBuilder.forServer(options.tlsCertificate().toFile(), options.tlsKey().toFile())
          .protocols("TLSv1.3", "TLSv1.2")
          .build();
    } catch (Exception e) {
      throw new CaException("cannot load the TLS certificate or key: " + e.getMessage(), e);
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** {@code http(s)://host:port}. */
  public String baseUrl() {
    return url(tls ? "https://" : "http://", (InetSocketAddress) channel.localAddress());
  }

  private static String url(String scheme, InetSocketAddress address) {
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return scheme + host + ":" + address.getPort();
  }

  /** Blocks until the server channel closes. */
  public void awaitClose() throws InterruptedException {
    channel.closeFuture().sync();
  }

  @Override
  public void close() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception ignored) {
        // the listener thread is a daemon; nothing else holds on to it
      }
    }
    watcher.shutdownNow();
    try {
      // A store change being handled finishes before the caller closes the store under it.
      watcher.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Listener, then connections, then the handler executors, then the event loops they post to.
    channel.close().awaitUninterruptibly();
    Channel https = httpsChannel;
    if (https != null) {
      https.close().awaitUninterruptibly();
    }
    connections.close().awaitUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    EstService est = estService;
    if (est != null) {
      est.flushRefusals(true); // repeats counted in the last window are not lost at shutdown
    }
  }
}
