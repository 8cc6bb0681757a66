-- One row, rewritten by every backup just before its dump: it names that backup, so a restore
-- drill can prove the data it restored is that backup's (and how recent it is).
-- Restoring a backup brings its sentinel back; the next backup rewrites it.
CREATE TABLE backup_sentinel (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  "backupFile" TEXT NOT NULL,
  "createdAt" TEXT NOT NULL,
  environment TEXT NOT NULL
);
