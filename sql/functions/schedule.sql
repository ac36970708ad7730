-- One pg_cron job, named 'pgpart maintenance', that runs CALL parting.run_maintenance() in
-- this database on the given schedule; calling it again changes the schedule of the same
-- job. pg_cron is optional (install.sql must work on managed servers without it): without it in this database this is a NOTICE
-- saying what to do instead, and NULL.
CREATE OR REPLACE FUNCTION parting.schedule(p_cron text DEFAULT '*/15 * * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- pg_cron's schema, named at run time so the function compiles and lints without it.
  v_cron constant text := 'cron';
  v_job bigint;
  v_cron_db text := current_setting('cron.database_name', true);
BEGIN
  IF to_regprocedure('cron.schedule_in_database(text,text,text,text,text,boolean)') IS NULL THEN
    RAISE NOTICE 'pg_cron is not installed in database %: no maintenance job scheduled', current_database()
      USING HINT = CASE WHEN v_cron_db IS NOT NULL AND v_cron_db <> current_database()
                        THEN format('pg_cron runs from database %I; there: SELECT cron.schedule_in_database(%L, %L, %L, %L)',
                                    v_cron_db, 'pgpart maintenance', p_cron, 'CALL parting.run_maintenance()', current_database())
                        ELSE 'CREATE EXTENSION pg_cron (with shared_preload_libraries = ''pg_cron''), or run CALL parting.run_maintenance() from your own scheduler' END;
    RETURN NULL;
  END IF;
  v_job := parting._cron_job();
  IF v_job IS NULL THEN
    EXECUTE format('SELECT %I.schedule_in_database($1, $2, $3, current_database())', v_cron)
       INTO v_job USING 'pgpart maintenance', p_cron, 'CALL parting.run_maintenance()';
  ELSE
    EXECUTE format('SELECT %I.alter_job($1, $2, $3, current_database())', v_cron) USING v_job, p_cron, 'CALL parting.run_maintenance()';
  END IF;
  RETURN v_job;
END;
$$;

COMMENT ON FUNCTION parting.schedule(text) IS
$c$Creates or updates the pg_cron job 'pgpart maintenance' that runs CALL parting.run_maintenance() in this database on a cron schedule; returns its job id, or NULL with a NOTICE when pg_cron is not installed here.$c$;
