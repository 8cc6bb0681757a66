-- The admin user list (core/auth/user_directory.cpp): newest first, filtered by part of the
-- e-mail. LIKE '%text%' cannot seek in a B-tree; a trigram index (pg_trgm, in PostgreSQL's
-- contrib, part of Debian's postgresql-15 package) answers it for 3 characters or more.
-- pg_trgm is a trusted extension: the database's owner may create it. Where it is missing or
-- may not be created, the search still works (a sequential scan) and the log says why.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX "User_email_trgm_idx" ON "User" USING gin (email gin_trgm_ops);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'pg_trgm cannot be created by this role (%): the user search scans "User"', SQLERRM;
    END;
  ELSE
    RAISE WARNING 'pg_trgm is not installed (Debian: postgresql-contrib): the user search scans "User"';
  END IF;
END
$$;
CREATE INDEX "User_createdAt_id_idx" ON "User" ("createdAt" DESC, id DESC);
