package io.gatehouse.ca.db;

/** Told by a store that pushes changes (PostgreSQL LISTEN/NOTIFY) what happened. */
public interface ChangeListener {
  /** Another writer (or this one) committed a change. */
  void changed();

  /** The notification connection broke: changes may go unnoticed until {@link #reconnected()}. */
  void lost(String reason);

  /** The notification connection is back; anything may have changed meanwhile. */
  void reconnected();
}
