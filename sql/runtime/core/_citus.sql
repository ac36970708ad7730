-- Whether this database runs Citus (the citus extension is installed). pgpart reads Citus's
-- catalog and calls its functions only then, and only by dynamic SQL, so that every routine
-- compiles, and plpgsql_check passes, on a server without Citus.
CREATE OR REPLACE FUNCTION parting._citus()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'citus');
$$;
