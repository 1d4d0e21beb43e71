package io.gatehouse.transport.auth;

import io.gatehouse.transport.setting.Setting;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads authentication runs on (never the event loop), and their two settings. */
public final class AuthenticationThreads {
  /** Threads authentication runs on (never the event loop); unset: processors, at least 2. */
  public static final Setting<Integer> THREADS =
      Setting.integer("auth.executor.threads", null, 1, null);
  /** Requests waiting for an authentication thread before new ones get 503. */
  public static final Setting<Integer> QUEUE =
      Setting.integer("auth.executor.queue", 1024, 1, null);

  private AuthenticationThreads() {}

  /** A pool of {@code threads} (null: processors, at least 2) daemon threads with a bounded queue. */
  public static ThreadPoolExecutor create(Integer threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    int count = threads != null ? threads : Math.max(2, Runtime.getRuntime().availableProcessors());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(count, count, 60,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
          Thread t = new Thread(r, "gatehouse-auth-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
