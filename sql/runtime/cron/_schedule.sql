-- One pg_cron job, named 'pgpart maintenance', that runs CALL parting.run_maintenance() in
-- this database on the given schedule, as the owner of pgpart's tables; calling it again
-- changes the schedule of the same job. pg_cron is optional (install.sql must work on
-- managed servers without it, and as a role that is not a superuser): where this role
-- cannot make the job, a NOTICE says what to run instead and as whom, and the result is NULL.
CREATE OR REPLACE FUNCTION parting._schedule(p_cron text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- pg_cron's schema, named at run time so the function compiles and lints without it.
  v_cron constant text := 'cron';
  v_command constant text := 'CALL parting.run_maintenance()';
  v_owner text := parting._owner();
  v_job bigint := (parting._cron_job()).jobid;
  v_cron_db text;
  v_superuser boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
  v_by_hand text;
BEGIN
  v_by_hand := format('SELECT cron.schedule_in_database(%L, %L, %L, %L, %L)', 'pgpart maintenance', p_cron, v_command,
                      current_database(), v_owner);
  -- NULL also when pg_cron is loaded but only a superuser may read where it runs.
  v_cron_db := parting._setting('cron.database_name');
  IF to_regnamespace(v_cron) IS NULL OR (has_schema_privilege(v_cron, 'USAGE') AND to_regprocedure('cron.schedule(text,text,text)') IS NULL) THEN
    RAISE NOTICE 'pg_cron is not installed in database %: no maintenance job scheduled', current_database()
      USING HINT = CASE WHEN v_cron_db IS NOT NULL AND v_cron_db <> current_database()
                        THEN format('pg_cron runs from database %I; there, as a superuser: %s', v_cron_db, v_by_hand)
                        WHEN v_cron_db IS NULL AND parting._setting('shared_preload_libraries') ~ 'pg_cron'
                        THEN format('pg_cron runs from another database; there, as a superuser: %s', v_by_hand)
                        WHEN v_cron_db IS NULL AND parting._setting('shared_preload_libraries') IS NULL
                        THEN format('if pg_cron runs from another database, there, as a superuser: %s; without pg_cron, run CALL parting.run_maintenance() from your own scheduler', v_by_hand)
                        ELSE 'CREATE EXTENSION pg_cron (with shared_preload_libraries = ''pg_cron''), or run CALL parting.run_maintenance() from your own scheduler' END;
    RETURN NULL;
  END IF;
  IF NOT parting._cron_usable() THEN
    RAISE NOTICE 'pg_cron is installed here, but role % may not use it: no maintenance job scheduled', current_user
      USING HINT = format('as a superuser: GRANT USAGE ON SCHEMA cron TO %s and install again, or run %s', current_user, v_by_hand);
    RETURN NULL;
  END IF;
  BEGIN
    IF v_job IS NOT NULL AND v_superuser THEN
      EXECUTE format('SELECT %I.alter_job($1, $2, $3)', v_cron) USING v_job, p_cron, v_command;
    ELSIF v_job IS NOT NULL AND current_user::text = v_owner THEN
      -- alter_job is a superuser's unless granted (pg_cron 1.4 revokes it from PUBLIC);
      -- schedule() with the job's name re-times the owner's own job in place.
      EXECUTE format('SELECT %I.schedule($1, $2, $3)', v_cron) INTO v_job USING 'pgpart maintenance', p_cron, v_command;
    ELSIF v_superuser THEN
      EXECUTE format('SELECT %I.schedule_in_database($1, $2, $3, current_database(), $4)', v_cron)
         INTO v_job USING 'pgpart maintenance', p_cron, v_command, v_owner;
    ELSIF current_user::text = v_owner THEN
      EXECUTE format('SELECT %I.schedule($1, $2, $3)', v_cron) INTO v_job USING 'pgpart maintenance', p_cron, v_command;
    ELSE
      RAISE insufficient_privilege USING MESSAGE = format('only %s or a superuser can schedule a job that runs as %s', v_owner, v_owner);
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_cron refused the maintenance job: %', SQLERRM
      USING HINT = format('as a superuser: %s', v_by_hand);
    RETURN NULL;
  END;
  -- What pg_cron now holds, read back: the job is said to run at p_cron only if it does.
  IF (parting._cron_job()).schedule IS DISTINCT FROM p_cron THEN
    RAISE NOTICE 'pg_cron did not re-time the maintenance job: it still runs at %', coalesce(quote_literal((parting._cron_job()).schedule), 'no schedule')
      USING HINT = format('as a superuser: %s', v_by_hand);
    RETURN NULL;
  END IF;
  RETURN v_job;
END;
$$;
