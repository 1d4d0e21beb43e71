package io.gatehouse.transport.mcp;

import io.gatehouse.transport.auth.CredentialLease;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Binds each connection that carried an MCP request to the {@link CredentialLease} of its latest
 * request (HTTP/1.1 without pipelining: one request, and so one credential, at a time; an open
 * SSE stream holds its connection). The connection, with the stream on it, is closed on its event
 * loop at the lease's {@code validUntil}, and as soon as a re-check refuses the lease. Re-checks
 * run every {@link #REVALIDATION_PERIOD} on Reactor's bounded-elastic threads, never an event
 * loop; a check still running is not started again.
 */
final class CredentialBindings {
  /**
   * How often leases with a re-check are re-checked. The re-check reads the revocation cache (or
   * the key store's snapshot), so a revoked credential loses its streams at most this long after
   * the cache would refuse its next request.
   */
  static final Duration REVALIDATION_PERIOD = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(CredentialBindings.class);

  private final Map<Channel, Binding> bound = new ConcurrentHashMap<>();
  private final Set<CredentialLease> checking = ConcurrentHashMap.newKeySet();

  /** One connection's current lease and its expiry timer; touched on the channel's event loop. */
  private static final class Binding {
    volatile CredentialLease lease;
    ScheduledFuture<?> expiry;
  }

  /** Binds {@code channel} to {@code lease} (null: unbind). Call on the channel's event loop. */
  void bind(Channel channel, CredentialLease lease) {
    Binding binding = bound.get(channel);
    if (binding == null) {
      if (lease == null) {
        return;
      }
      binding = new Binding();
      bound.put(channel, binding);
      Binding added = binding;
      channel.closeFuture().addListener(f -> {
        bound.remove(channel, added);
        if (added.expiry != null) {
          added.expiry.cancel(false);
        }
      });
    }
    if (binding.lease == lease) {
      return;
    }
    if (binding.expiry != null) {
      binding.expiry.cancel(false);
      binding.expiry = null;
    }
    binding.lease = lease;
    if (lease == null) {
      return;
    }
    if (lease.refused()) {
      channel.close();
      return;
    }
    Instant until = lease.validUntil().orElse(null);
    if (until != null) {
      long delayMillis = until.toEpochMilli() - System.currentTimeMillis();
      if (delayMillis <= 0) {
        channel.close();
      } else {
        binding.expiry = channel.eventLoop().schedule(() -> {
          log.debug("closing connection from {}: its credential expired", channel.remoteAddress());
          channel.close();
        }, delayMillis, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Starts a re-check of every distinct lease held by a connection or in {@code others} (the
   * sessions' leases) that has one and is not being checked; {@code onRefused} is told each lease
   * found refused, after its connections were closed.
   */
  void revalidate(Iterable<CredentialLease> others, Consumer<CredentialLease> onRefused) {
    Set<CredentialLease> leases = Collections.newSetFromMap(new IdentityHashMap<>());
    bound.values().forEach(b -> {
      CredentialLease lease = b.lease;
      if (lease != null) {
        leases.add(lease);
      }
    });
    others.forEach(leases::add);
    for (CredentialLease lease : leases) {
      if (lease.refused()) {
        refused(lease, onRefused);
        continue;
      }
      CredentialLease.Revalidation check = lease.revalidation().orElse(null);
      if (check == null || !checking.add(lease)) {
        continue;
      }
      Mono.defer(() -> Mono.fromCompletionStage(check.stillValid()))
          .subscribeOn(Schedulers.boundedElastic())
          .onErrorResume(e -> {
            log.warn("credential re-check failed, closing its streams: {}", e.toString());
            return Mono.just(false); // fail closed
          })
          .doFinally(s -> checking.remove(lease))
          .subscribe(valid -> {
            if (!Boolean.TRUE.equals(valid)) {
              lease.refuse();
              refused(lease, onRefused);
            }
          });
    }
  }

  private void refused(CredentialLease lease, Consumer<CredentialLease> onRefused) {
    int closed = 0;
    for (Map.Entry<Channel, Binding> e : bound.entrySet()) {
      if (e.getValue().lease == lease) {
        e.getKey().close();
        closed++;
      }
    }
    if (closed > 0) {
      log.info("closed {} connection(s) whose credential is no longer accepted", closed);
    }
    onRefused.accept(lease);
  }
}
