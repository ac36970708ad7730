-- This database's pgpart maintenance job in pg_cron (id and schedule), or NULLs: also when
-- pg_cron is not installed here or this role may not use its schema. The job is looked up
-- by name for the role it runs as: the owner of schema parting, the tables' owner.
-- pg_cron's schema is named at run time so the function compiles and lints without it.
CREATE OR REPLACE FUNCTION parting._cron_job(OUT jobid bigint, OUT schedule text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cron constant text := 'cron';
BEGIN
  IF NOT parting._cron_usable() THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT j.jobid, j.schedule FROM %I.job j WHERE j.jobname = $1 AND j.username = $2 AND j.database = current_database()', v_cron)
     INTO jobid, schedule USING 'pgpart maintenance', parting._owner();
END;
$$;
