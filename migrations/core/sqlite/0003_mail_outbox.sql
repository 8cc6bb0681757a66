-- Durable outbox: a message exists here before any attempt to send it, so a crash or an
-- SMTP outage delays mail but never loses it. "dedupeKey" stops a redelivered event from
-- mailing twice.
CREATE TABLE mail_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  "dedupeKey" TEXT UNIQUE,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  "lastError" TEXT,
  "nextAttemptAt" TEXT NOT NULL,
  "createdAt" TEXT NOT NULL,
  "sentAt" TEXT
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (status, "nextAttemptAt");
