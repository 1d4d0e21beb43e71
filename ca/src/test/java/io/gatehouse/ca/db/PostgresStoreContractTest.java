package io.gatehouse.ca.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real PostgreSQL server ({@link PostgresServer}), plus what only
 * PostgreSQL does: Flyway migrations by explicit command, LISTEN/NOTIFY.
 */
class PostgresStoreContractTest extends CertificateStoreContract {
  private PostgresServer server;
  private String url;

  @BeforeEach
  void database() throws Exception {
    server = PostgresServer.get();
    url = server.migratedDatabase();
  }

  @Override
  CertificateStore createStore() throws Exception {
    return openAgain();
  }

  @Override
  CertificateStore openAgain() throws Exception {
    return PostgresCertificateStore.open(StoreLocation.parse(url), server.env());
  }

  @Override
  Connection raw() throws Exception {
    return server.connect(PostgresServer.databaseOf(url));
  }

  @Override
  CertificateStore freshTarget() throws Exception {
    return PostgresCertificateStore.open(StoreLocation.parse(server.migratedDatabase()), server.env());
  }

  @Override
  String hexLiteral() {
    return "'\\x00'::bytea";
  }

  @Test
  void openingAnUnmigratedDatabaseSaysToMigrateAndMigrateIsIdempotent() throws Exception {
    url = server.freshDatabase();
    assertThatThrownBy(this::openAgain).hasMessageContaining("run 'gatehouse ca db migrate'");
    assertThat(PostgresCertificateStore.migrate(StoreLocation.parse(url), server.env())).isEqualTo(2);
    assertThat(PostgresCertificateStore.migrate(StoreLocation.parse(url), server.env())).isZero();
    openAgain().close();
  }

  @Test
  void aWrongPasswordFailsWithoutEchoingIt() throws Exception {
    store();
    assertThatThrownBy(() -> PostgresCertificateStore.open(StoreLocation.parse(url),
        java.util.Map.of(PostgresCertificateStore.PASSWORD_ENV, "not-the-password-xyz")))
        .hasMessageContaining("cannot connect").hasMessageNotContaining("not-the-password-xyz");
  }

  @Test
  void changesByAnyWriterOrByHandArePushedWithinASecond() throws Exception {
    CertificateStore listening = store();
    listening.insert(record(1, Instant.now()));
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (AutoCloseable subscription = listening.subscribe(new ChangeListener() {
      @Override
      public void changed() {
        events.add("changed");
      }

      @Override
      public void lost(String reason) {
        events.add("lost");
      }

      @Override
      public void reconnected() {
        events.add("reconnected");
      }
    })) {
      another().revoke(BigInteger.ONE, RevocationReason.KEY_COMPROMISE, Instant.now());
      assertThat(events.poll(1, TimeUnit.SECONDS)).isEqualTo("changed");
      events.clear();
      sql().createStatement().executeUpdate("UPDATE certificates SET revoked_at = NULL WHERE serial = '1'");
      assertThat(events.poll(1, TimeUnit.SECONDS)).isEqualTo("changed");
    }
  }

  @Test
  void aNotificationSaysWhetherTheChangeWroteTheAuditTable() throws Exception {
    // ca serve sweeps every row at once for a change that wrote no audit entry (made by hand) and
    // checks only the new entries' rows for one that did: the payloads must tell them apart.
    CertificateStore listening = store();
    listening.insert(record(1, Instant.now()));
    LinkedBlockingQueue<java.util.Set<String>> batches = new LinkedBlockingQueue<>();
    try (AutoCloseable subscription = listening.subscribe(new ChangeListener() {
      @Override
      public void changed() {
        throw new AssertionError("the PostgreSQL store names the tables");
      }

      @Override
      public void changed(java.util.Set<String> tables) {
        batches.add(tables);
      }

      @Override
      public void lost(String reason) {}

      @Override
      public void reconnected() {}
    })) {
      another().revoke(BigInteger.ONE, RevocationReason.KEY_COMPROMISE, Instant.now());
      java.util.Set<String> written = new java.util.HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!written.contains("audit") && System.nanoTime() < deadline) {
        java.util.Set<String> batch = batches.poll(100, TimeUnit.MILLISECONDS);
        if (batch != null) {
          written.addAll(batch);
        }
      }
      assertThat(written).contains("audit", "certificates", "counters");
      batches.clear();
      sql().createStatement().executeUpdate("UPDATE certificates SET revoked_at = NULL WHERE serial = '1'");
      assertThat(batches.poll(5, TimeUnit.SECONDS)).containsExactly("certificates");
    }
  }
}
