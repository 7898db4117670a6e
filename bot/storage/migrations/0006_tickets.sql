-- "Ask an officer": tickets, their messages, the outbox of what they send, the questions the
-- bot did not understand, and the phrases staff taught the matcher.
-- Texts are stored masked: a 16-digit number (a NIK) never reaches this database in clear.
-- Outbox rows go pending -> sending (claimed, committed before the send) -> sent | failed |
-- blocked; rows found in 'sending' at start were in flight at a crash: they are sent again and
-- flagged possible_duplicate (as broadcasts do).

CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL,          -- the resident
    language       TEXT NOT NULL,             -- 'id' | 'jv'
    region_code    TEXT,                      -- kab/kota when known (a registered volunteer)
    status         TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'answered', 'closed')),
    version        INTEGER NOT NULL DEFAULT 0, -- +1 on every staff reply, hand-over and close
    created_at     TEXT NOT NULL,
    waiting_since  TEXT,                      -- when it last started waiting for staff
    answered_at    TEXT,
    answered_by    INTEGER,
    assigned_to    INTEGER,                   -- an officer it was handed over to
    reminded_at    TEXT,                      -- the one reminder to staff, when sent
    closed_at      TEXT,
    closed_by      INTEGER,                   -- an officer, or the resident themselves
    rating         TEXT CHECK (rating IN ('helped', 'not_helped')),
    learned_target TEXT                       -- what the officer said it was about
);
CREATE INDEX tickets_user ON tickets (user_id, status);
CREATE INDEX tickets_status ON tickets (status, waiting_since);

CREATE TABLE ticket_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    author     TEXT NOT NULL CHECK (author IN ('resident', 'staff')),
    author_id  INTEGER,                       -- NULL: the command line
    text       TEXT NOT NULL,                 -- masked
    photo      TEXT,                          -- Telegram file_id
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

CREATE TABLE ticket_outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id          INTEGER NOT NULL REFERENCES tickets (id),
    message_id         INTEGER REFERENCES ticket_messages (id),
    kind               TEXT NOT NULL,         -- new | added | reminder | handover | answer | closed
    user_id            INTEGER NOT NULL,      -- the recipient
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,
    sent_message_id    INTEGER,
    error              TEXT,                  -- a short reason, never message content
    created_at         TEXT NOT NULL,
    updated_at         TEXT
);
CREATE INDEX ticket_outbox_status ON ticket_outbox (status, id);

-- Bot messages in a resident's chat that belong to a ticket: a reply to one adds to it.
CREATE TABLE ticket_links (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (chat_id, message_id)
);

-- What the bot did not understand: scrubbed (long digit runs masked), no user id, 90 days.
CREATE TABLE unanswered_questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    wording    TEXT NOT NULL,                 -- the normalised words: similar questions group
    text       TEXT NOT NULL,                 -- the scrubbed question as asked
    language   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('not_understood', 'weak')),
    asked_at   TEXT NOT NULL,
    mapped_to  TEXT,                          -- set when staff taught the matcher
    mapped_by  INTEGER
);
CREATE INDEX unanswered_wording ON unanswered_questions (wording, language);
CREATE INDEX unanswered_asked ON unanswered_questions (asked_at);

-- Phrases staff taught the matcher; re-applied at every start. content/ stays the reviewed
-- source: `dinsos-bot tickets export-learned` writes these as YAML for review.
CREATE TABLE learned_phrases (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    target    TEXT NOT NULL,                  -- program id, 'program:aspect' or 'request:name'
    phrase    TEXT NOT NULL,
    language  TEXT NOT NULL,
    added_by  INTEGER,                        -- NULL: the command line
    added_at  TEXT NOT NULL,
    source    TEXT NOT NULL,                  -- 'ticket:12' or 'question:5'
    UNIQUE (phrase, language)
);
