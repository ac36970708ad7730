-- Whether this role can make, change and remove pg_cron jobs from here: pg_cron installed in
-- this database and its schema usable by this role.
CREATE OR REPLACE FUNCTION parting._cron_usable()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regnamespace('cron') IS NULL OR to_regprocedure('cron.schedule(text,text,text)') IS NULL THEN
    RETURN false;
  END IF;
  RETURN has_schema_privilege('cron', 'USAGE');
END;
$$;
