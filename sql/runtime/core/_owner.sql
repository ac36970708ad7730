-- The role pgpart's objects belong to: the owner of schema parting, which the install
-- checked is the installing role. The pg_cron job runs as this role.
CREATE OR REPLACE FUNCTION parting._owner()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = 'parting'
$$;
