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
  v_cron_db text := current_setting('cron.database_name', true);
BEGIN
  IF to_regprocedure('cron.unschedule(bigint)') IS NULL THEN
    RAISE NOTICE 'pg_cron is not installed in database %: no maintenance job removed', current_database()
      USING HINT = CASE WHEN v_cron_db IS NOT NULL AND v_cron_db <> current_database()
                        THEN format('a job made from database %I stays there; there: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %L AND database = %L',
                                    v_cron_db, 'pgpart maintenance', current_database())
                        ELSE 'without pg_cron there is no job to remove' END;
    RETURN false;
  END IF;
  v_job := parting._cron_job();
  IF v_job IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT %I.unschedule($1)', v_cron) USING v_job;
  RETURN true;
END;
$$;
