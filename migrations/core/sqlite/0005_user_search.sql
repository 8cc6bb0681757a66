-- The admin user list (core/auth/user_directory.cpp): newest first, filtered by part of the
-- e-mail. LIKE '%text%' cannot seek in a B-tree, so the count scans this narrow index instead
-- of the table, and a page walks it in signup order reading only the matching rows.
CREATE INDEX "User_list_idx" ON "User" ("createdAt" DESC, id DESC, email);
