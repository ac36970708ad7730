-- The id of this database's pgpart maintenance job in pg_cron, or NULL. Only called where
-- pg_cron is installed; its schema is named at run time so the function compiles and lints
-- without it.
CREATE OR REPLACE FUNCTION parting._cron_job()
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cron constant text := 'cron';
  v_job bigint;
BEGIN
  EXECUTE format('SELECT jobid FROM %I.job WHERE jobname = $1 AND username = current_user AND database = current_database()', v_cron)
     INTO v_job USING 'pgpart maintenance';
  RETURN v_job;
END;
$$;
