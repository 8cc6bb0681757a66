-- Test-only ledger of the fake 'billing' plugin (plugins/analysis/tests/fake_billing).
CREATE TABLE fake_billing_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  "userId" TEXT NOT NULL,
  type TEXT NOT NULL,
  amount BIGINT NOT NULL,
  reference TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  "createdAt" TEXT NOT NULL
);
CREATE TABLE fake_billing_balance (
  "userId" TEXT PRIMARY KEY,
  balance BIGINT NOT NULL CHECK (balance >= 0)
);
