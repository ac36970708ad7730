-- The public face of parting._schedule (in cron/), which install.sql's reconcile calls too.
CREATE OR REPLACE FUNCTION parting.schedule(p_cron text DEFAULT '*/15 * * * *')
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT parting._schedule(p_cron)
$$;

COMMENT ON FUNCTION parting.schedule(text) IS
$c$Creates or updates the pg_cron job 'pgpart maintenance' that runs CALL parting.run_maintenance() in this database, as the owner of pgpart's tables, on a cron schedule; returns its job id, or NULL with a NOTICE saying what to run, and as whom, where this role cannot make it.$c$;
