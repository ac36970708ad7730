-- Removes the pg_cron job parting.schedule made for this database; true if there was one.
-- Where pg_cron is not installed here, or this role may not use it, a NOTICE and false.
CREATE OR REPLACE FUNCTION parting._unschedule()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- pg_cron's schema, named at run time so the function compiles and lints without it.
  v_cron constant text := 'cron';
  v_job bigint := (parting._cron_job()).jobid;
BEGIN
  IF NOT parting._cron_usable() THEN
    RAISE NOTICE 'pg_cron is not installed in database %, or role % may not use it: no maintenance job removed', current_database(), current_user
      USING HINT = format('where pg_cron runs, as a superuser: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %L AND database = %L',
                          'pgpart maintenance', current_database());
    RETURN false;
  END IF;
  IF v_job IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT %I.unschedule($1)', v_cron) USING v_job;
  RETURN true;
END;
$$;
