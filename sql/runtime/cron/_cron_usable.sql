-- Whether this role can make, change and remove pg_cron jobs from here: pg_cron installed in
-- this database and its schema usable by this role.
CREATE OR REPLACE FUNCTION parting._cron_usable()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- Looking a name up in a schema this role may not use is an error, not a NULL: USAGE first.
  IF to_regnamespace('cron') IS NULL OR NOT has_schema_privilege('cron', 'USAGE') THEN
    RETURN false;
  END IF;
  RETURN to_regprocedure('cron.schedule(text,text,text)') IS NOT NULL;
END;
$$;
