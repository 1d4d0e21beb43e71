package io.gatehouse.ca.db;

/** Told by a store that pushes changes (PostgreSQL LISTEN/NOTIFY) what happened. */
public interface ChangeListener {
  /** Another writer (or this one) committed a change. */
  void changed();

  /**
   * Another writer committed changes to {@code tables} (PostgreSQL: the notifications' payloads).
   * Every write through Gatehouse writes the {@code audit} table; a change without it was made by
   * hand. Defaults to {@link #changed()}.
   */
  default void changed(java.util.Set<String> tables) {
    changed();
  }

  /** The notification connection broke: changes may go unnoticed until {@link #reconnected()}. */
  void lost(String reason);

  /** The notification connection is back; anything may have changed meanwhile. */
  void reconnected();
}
