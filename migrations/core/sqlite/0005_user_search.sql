-- The admin user list (core/auth/user_directory.cpp): newest first, filtered by part of the
-- e-mail. A substring test (instr) cannot seek in a B-tree, so a search scans this narrow
-- index instead of the table, and a page walks it in signup order reading only the matching
-- rows. (A trigram FTS5 table would seek, but its shadow tables do not survive the backup
-- plugin's dump and restore.)
CREATE INDEX "User_list_idx" ON "User" ("createdAt" DESC, id DESC, email);
