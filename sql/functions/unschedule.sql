-- Removes the pg_cron job parting.schedule made for this database; true if there was one.
CREATE OR REPLACE FUNCTION parting.unschedule()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- pg_cron's schema, named at run time so the function compiles and lints without it.
  v_cron constant text := 'cron';
  v_job bigint;
BEGIN
  IF to_regprocedure('cron.unschedule(bigint)') IS NULL THEN
    RAISE NOTICE 'pg_cron is not installed in database %: there is no maintenance job to remove', current_database();
    RETURN false;
  END IF;
  EXECUTE format('SELECT jobid FROM %I.job WHERE jobname = $1 AND username = current_user AND database = current_database()', v_cron)
     INTO v_job USING 'pgpart maintenance';
  IF v_job IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT %I.unschedule($1)', v_cron) USING v_job;
  RETURN true;
END;
$$;
