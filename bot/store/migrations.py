"""Ordered schema steps; step N brings the database to `PRAGMA user_version` N."""

from __future__ import annotations

STEPS: tuple[tuple[str, ...], ...] = (
    (
        # Key/value state of the bot itself, such as the sync position.
        """CREATE TABLE bot_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        # Rooms the bot serves. A room stays after the bot leaves it: its data is kept.
        """CREATE TABLE rooms (
            room_id TEXT PRIMARY KEY,
            joined_at TEXT NOT NULL,
            left_at TEXT,
            last_event_id TEXT,
            commands_advertised TEXT,
            commands_refusal_told INTEGER NOT NULL DEFAULT 0
        )""",
        # Every event the bot has acted on, so a replayed sync never acts twice.
        """CREATE TABLE handled_events (
            event_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            handled_at TEXT NOT NULL
        )""",
        "CREATE INDEX handled_events_at ON handled_events(handled_at)",
        # Messages decided on but not yet confirmed sent; the transaction id makes a resend idempotent.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            txn_id TEXT NOT NULL UNIQUE,
            event_type TEXT NOT NULL,
            content TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            sent_event_id TEXT,
            failed TEXT
        )""",
        "CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at IS NULL AND failed IS NULL",
    ),
)

LATEST = len(STEPS)
