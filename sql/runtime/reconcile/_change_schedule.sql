-- The pg_cron job of run_maintenance, made to match the config's `schedule`: scheduled or
-- re-timed where pg_cron is installed (without it, parting.schedule's NOTICE says what to do,
-- once, on the install that first asks); with `schedule` gone from the config, the job an
-- earlier install made is removed. A job made by hand, with no `schedule` ever in the
-- config, is left alone.
CREATE OR REPLACE FUNCTION parting._change_schedule(p_desired jsonb)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_want text := p_desired ->> 'schedule';
  v_had text;
  v_job bigint;
  v_now text;
  -- pg_cron usable here by this role: else the NOTICE of parting.schedule says what to do.
  v_have_cron boolean := parting._cron_usable();
BEGIN
  IF to_regclass('parting.meta') IS NOT NULL THEN
    SELECT m.schedule INTO v_had FROM parting.meta m;
  END IF;
  IF v_have_cron AND to_regnamespace('parting') IS NOT NULL THEN
    SELECT j.jobid, j.schedule INTO v_job, v_now FROM parting._cron_job() j;
  END IF;
  IF v_want IS NOT NULL AND ((v_have_cron AND v_now IS DISTINCT FROM v_want) OR (NOT v_have_cron AND v_had IS DISTINCT FROM v_want)) THEN
    RETURN NEXT parting._change(NULL, 'schedule', v_want,
      CASE WHEN NOT v_have_cron THEN 'pg_cron is not installed here, or this role may not use it: a NOTICE says what to do instead'
           WHEN v_job IS NULL THEN format('a pg_cron job running CALL parting.run_maintenance() at %L', v_want)
           ELSE format('re-time the pg_cron job from %L to %L (a NOTICE follows if pg_cron does not)', v_now, v_want) END,
      NULL, 'none', ARRAY[format('SELECT parting._schedule(%L)', v_want)]);
  ELSIF v_want IS NULL AND v_had IS NOT NULL AND v_job IS NOT NULL THEN
    RETURN NEXT parting._change(NULL, 'unschedule', v_had,
      format('the pg_cron job an earlier install made (%L); the config has no schedule any more', v_had),
      NULL, 'none', ARRAY['SELECT parting._unschedule()']);
  END IF;
END;
$$;
