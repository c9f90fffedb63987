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
    (
        # A recurring meeting of a room. Times are UTC text; the schedule is local wall time in `timezone`.
        """CREATE TABLE series (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            name TEXT NOT NULL,
            schedule TEXT NOT NULL,
            anchor TEXT NOT NULL,
            duration_minutes INTEGER NOT NULL,
            location TEXT NOT NULL DEFAULT '',
            reminders TEXT NOT NULL,
            timezone TEXT NOT NULL,
            checked_until TEXT NOT NULL,
            seed_digest TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (room_id, name)
        )""",
        # Single meetings skipped (new_start NULL) or moved, keyed by the start the schedule gave them.
        """CREATE TABLE meeting_changes (
            series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
            original_start TEXT NOT NULL,
            new_start TEXT,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            PRIMARY KEY (series_id, original_start)
        )""",
        # One row per meeting and offset once its reminder is decided: the claim that makes it exactly once.
        """CREATE TABLE reminders (
            series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
            meeting_start TEXT NOT NULL,
            offset_minutes INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'late', 'skipped')),
            txn_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (series_id, meeting_start, offset_minutes)
        )""",
    ),
    (
        # Items for the room's next meeting; an open item whose meeting has passed is carried over.
        """CREATE TABLE agenda_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            meeting_start TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'discussed', 'removed')),
            closed_at TEXT,
            closed_by TEXT
        )""",
        "CREATE INDEX agenda_open ON agenda_items(room_id, id) WHERE status = 'open'",
        # Agreed actions, numbered per room; numbers are never reused.
        """CREATE TABLE action_numbers (
            room_id TEXT PRIMARY KEY REFERENCES rooms(room_id),
            last INTEGER NOT NULL
        )""",
        """CREATE TABLE actions (
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            number INTEGER NOT NULL,
            text TEXT NOT NULL,
            organisation TEXT,
            due TEXT,
            due_set_at TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (room_id, number)
        )""",
        "CREATE INDEX actions_open ON actions(room_id, due) WHERE status = 'open'",
        """CREATE TABLE action_owners (
            room_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            PRIMARY KEY (room_id, number, user_id),
            FOREIGN KEY (room_id, number) REFERENCES actions(room_id, number)
        )""",
        # Every change of an action: who, when, what (kind plus JSON details).
        """CREATE TABLE action_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            FOREIGN KEY (room_id, number) REFERENCES actions(room_id, number)
        )""",
        # The nudge before an action's due date, claimed like a reminder: once per action and due date.
        """CREATE TABLE nudges (
            room_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            due TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'late', 'skipped')),
            txn_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (room_id, number, due),
            FOREIGN KEY (room_id, number) REFERENCES actions(room_id, number)
        )""",
    ),
    (
        # A meeting as held: opened and closed by moderators (or closed automatically), with its minutes.
        """CREATE TABLE meetings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            series_id INTEGER REFERENCES series(id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            timezone TEXT NOT NULL,
            scheduled_start TEXT,
            scheduled_end TEXT NOT NULL,
            started_at TEXT NOT NULL,
            started_by TEXT NOT NULL,
            ended_at TEXT,
            ended_by TEXT,
            auto_closed INTEGER NOT NULL DEFAULT 0,
            minutes TEXT
        )""",
        "CREATE UNIQUE INDEX meetings_one_open ON meetings(room_id) WHERE ended_at IS NULL",
        """CREATE TABLE participants (
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            user_id TEXT NOT NULL,
            name TEXT NOT NULL,
            how TEXT NOT NULL CHECK (how IN ('wrote', 'here')),
            first_at TEXT NOT NULL,
            PRIMARY KEY (meeting_id, user_id)
        )""",
        """CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            meeting_id INTEGER NOT NULL REFERENCES meetings(id),
            text TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "ALTER TABLE agenda_items ADD COLUMN meeting_id INTEGER REFERENCES meetings(id)",
        "ALTER TABLE agenda_items ADD COLUMN note TEXT",
        "ALTER TABLE actions ADD COLUMN meeting_id INTEGER REFERENCES meetings(id)",
    ),
    (
        # Encrypted events whose room key has not arrived yet, as received, in order of arrival: tried again
        # after every sync, answered once the key comes, told about once the grace period is over.
        """CREATE TABLE parked_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            sender TEXT NOT NULL,
            session_id TEXT NOT NULL,
            source TEXT NOT NULL,
            parked_at TEXT NOT NULL
        )""",
        # Room keys a sender's client said it will not share with the bot (m.room_key.withheld).
        """CREATE TABLE withheld_keys (
            session_id TEXT PRIMARY KEY,
            code TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    ),
    (
        # A file in the outbox: its bytes until it is uploaded, then NULL and `content` points at the upload.
        "ALTER TABLE outbox ADD COLUMN file BLOB",
    ),
    (
        # What a command created (an agenda item, an action, a decision), by the command's event: an edit of the
        # command within a few minutes changes it, a redaction may remove it. `edited_ts` is the server time of the
        # last edit applied, so an older edit handled later does not win.
        """CREATE TABLE created (
            event_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            kind TEXT NOT NULL,
            ref INTEGER NOT NULL,
            sender TEXT NOT NULL,
            at TEXT NOT NULL,
            edited_ts INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX created_at ON created(at)",
        # An edit of an earlier message: the transaction id of the message it replaces, whose event id is known
        # only once that one is sent.
        "ALTER TABLE outbox ADD COLUMN replaces_txn TEXT",
    ),
    (
        # What a member represents in a room (Polisen, Räddningstjänsten, …): each organisation spelt as it was first
        # written in the room (`key` is that name without case and diacritics), and who belongs to which.
        """CREATE TABLE organisations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (room_id, key)
        )""",
        """CREATE TABLE member_organisations (
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            user_id TEXT NOT NULL,
            organisation_id INTEGER NOT NULL REFERENCES organisations(id),
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL,
            PRIMARY KEY (room_id, user_id)
        )""",
        # A room's areas and observation categories, given the configured defaults the first time the room uses
        # them (`observation_lists` remembers that). A removed one keeps its row, so old reports keep their name.
        """CREATE TABLE observation_lists (
            room_id TEXT PRIMARY KEY REFERENCES rooms(room_id),
            seeded_at TEXT NOT NULL
        )""",
        """CREATE TABLE areas (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT,
            removed_by TEXT
        )""",
        "CREATE UNIQUE INDEX areas_named ON areas(room_id, key) WHERE removed_at IS NULL",
        """CREATE TABLE categories (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT,
            removed_by TEXT
        )""",
        "CREATE UNIQUE INDEX categories_named ON categories(room_id, key) WHERE removed_at IS NULL",
        # Observations, numbered per room like actions; numbers are never reused. A removed one stays, marked.
        """CREATE TABLE observation_numbers (
            room_id TEXT PRIMARY KEY REFERENCES rooms(room_id),
            last INTEGER NOT NULL
        )""",
        """CREATE TABLE observations (
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            number INTEGER NOT NULL,
            area_id INTEGER NOT NULL REFERENCES areas(id),
            category_id INTEGER NOT NULL REFERENCES categories(id),
            text TEXT NOT NULL,
            organisation_id INTEGER REFERENCES organisations(id),
            author TEXT NOT NULL,
            written_at TEXT NOT NULL,
            happened_on TEXT NOT NULL,
            removed_at TEXT,
            removed_by TEXT,
            PRIMARY KEY (room_id, number)
        )""",
        "CREATE INDEX observations_by_day ON observations(room_id, happened_on) WHERE removed_at IS NULL",
        # `!report nothing`: an organisation said it had nothing to report, at this time.
        """CREATE TABLE nothing_reported (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            organisation_id INTEGER NOT NULL REFERENCES organisations(id),
            by TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX nothing_reported_at ON nothing_reported(room_id, at)",
    ),
    (
        # A `!situation`'s chart, asked for with the reply and drawn outside the transaction; the row goes when
        # the chart is queued in the outbox, in one transaction.
        """CREATE TABLE chart_requests (
            txn_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            reply_to TEXT NOT NULL,
            thread_root TEXT,
            week INTEGER,
            asked_at TEXT NOT NULL
        )""",
    ),
    (
        # The reporting nudge before each meeting of a series: its local time on the working day before (NULL: the
        # default), and one row per meeting (by its original start) once it is decided, written before it is sent.
        "ALTER TABLE series ADD COLUMN report_nudge_at TEXT",
        """CREATE TABLE report_nudges (
            series_id INTEGER NOT NULL REFERENCES series(id),
            meeting_original TEXT NOT NULL,
            meeting_start TEXT NOT NULL,
            due_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            txn_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (series_id, meeting_original)
        )""",
    ),
    (
        # The situation picture posted before each meeting of a series: its local time on the working day before
        # (NULL: with the first reminder), and one row per meeting once it is decided, written before it is sent.
        "ALTER TABLE series ADD COLUMN situation_at TEXT",
        """CREATE TABLE situation_posts (
            series_id INTEGER NOT NULL REFERENCES series(id),
            meeting_original TEXT NOT NULL,
            meeting_start TEXT NOT NULL,
            due_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            txn_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (series_id, meeting_original)
        )""",
        # Its chart answers no command (`reply_to` NULL) and shows the round its series' meeting closes
        # (`series_id`; NULL: the room's round, as `!situation` shows it).
        """CREATE TABLE chart_requests_new (
            txn_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            reply_to TEXT,
            thread_root TEXT,
            week INTEGER,
            asked_at TEXT NOT NULL,
            series_id INTEGER REFERENCES series(id)
        )""",
        "INSERT INTO chart_requests_new(txn_id, room_id, reply_to, thread_root, week, asked_at) "
        "SELECT txn_id, room_id, reply_to, thread_root, week, asked_at FROM chart_requests",
        "DROP TABLE chart_requests",
        "ALTER TABLE chart_requests_new RENAME TO chart_requests",
    ),
    (
        # The yearly agreement (samverkansöverenskommelse): a room's agreements one after another, the latest the
        # current one; its period is local days, both included. Priorities are numbered per agreement and a removed
        # one stays, marked, so its number is never used again; one carried over names where it came from.
        """CREATE TABLE agreements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            name TEXT NOT NULL,
            starts TEXT NOT NULL,
            ends TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_priority INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE priorities (
            agreement_id INTEGER NOT NULL REFERENCES agreements(id),
            number INTEGER NOT NULL,
            text TEXT NOT NULL,
            goal TEXT,
            carried_from INTEGER,
            carried_number INTEGER,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_at TEXT,
            removed_by TEXT,
            PRIMARY KEY (agreement_id, number)
        )""",
        """CREATE TABLE priority_organisations (
            agreement_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            name TEXT NOT NULL,
            FOREIGN KEY (agreement_id, number) REFERENCES priorities(agreement_id, number)
        )""",
        """CREATE TABLE priority_categories (
            agreement_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            category_id INTEGER NOT NULL REFERENCES categories(id),
            FOREIGN KEY (agreement_id, number) REFERENCES priorities(agreement_id, number)
        )""",
        # An action serves at most one priority of an agreement; the link is a change in the action's history.
        """CREATE TABLE action_priorities (
            room_id TEXT NOT NULL,
            action INTEGER NOT NULL,
            agreement_id INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            PRIMARY KEY (room_id, action, agreement_id),
            FOREIGN KEY (room_id, action) REFERENCES actions(room_id, number),
            FOREIGN KEY (agreement_id, priority) REFERENCES priorities(agreement_id, number)
        )""",
        # The agreement's posts of its own (the status each quarter, the reminder to prepare the next one): one row
        # each once decided, written in the transaction that queues the message.
        """CREATE TABLE agreement_posts (
            agreement_id INTEGER NOT NULL REFERENCES agreements(id),
            kind TEXT NOT NULL,
            seq INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            txn_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (agreement_id, kind, seq)
        )""",
    ),
    (
        # Safety walks, numbered per room; at most one open in a room. The action plan file is queued once (its
        # outbox transaction id kept), and the follow-up reminder once per follow-up time (likewise).
        """CREATE TABLE walks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            room_id TEXT NOT NULL REFERENCES rooms(room_id),
            number INTEGER NOT NULL,
            area TEXT NOT NULL,
            text TEXT,
            started_by TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_by TEXT,
            ended_at TEXT,
            plan_txn TEXT,
            followup_at TEXT,
            followup_txn TEXT,
            UNIQUE (room_id, number)
        )""",
        "CREATE UNIQUE INDEX walks_open ON walks(room_id) WHERE ended_at IS NULL",
        # A walk's points, numbered within it; `sent_ms` is when the `!punkt` was sent (the server's time), and
        # `reply_txn` the bot's confirmation, so that a reply to either finds the point.
        """CREATE TABLE walk_points (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            walk_id INTEGER NOT NULL REFERENCES walks(id),
            number INTEGER NOT NULL,
            place TEXT NOT NULL,
            what TEXT NOT NULL,
            proposal TEXT,
            responsible TEXT,
            author TEXT NOT NULL,
            event_id TEXT NOT NULL,
            reply_txn TEXT NOT NULL,
            sent_ms INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            action_number INTEGER,
            UNIQUE (walk_id, number)
        )""",
        # Photos (the media repository's mxc:// address; in an encrypted room the `file` dict that opens it, as
        # private as the rest of the database) and locations (the geo: URI and its coordinates) of a point.
        """CREATE TABLE walk_attachments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            point_id INTEGER NOT NULL REFERENCES walk_points(id),
            event_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            sender TEXT NOT NULL,
            sent_ms INTEGER NOT NULL,
            body TEXT,
            url TEXT,
            mimetype TEXT,
            file TEXT,
            geo_uri TEXT,
            latitude REAL,
            longitude REAL,
            uncertainty REAL
        )""",
    ),
)

LATEST = len(STEPS)
