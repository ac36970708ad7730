-- The public face of parting._unschedule (in cron/), which install.sql's reconcile calls too.
CREATE OR REPLACE FUNCTION parting.unschedule()
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT parting._unschedule()
$$;

COMMENT ON FUNCTION parting.unschedule() IS
$c$Removes the pg_cron job parting.schedule made for this database; true if there was one, false with a NOTICE where pg_cron is not installed here or this role may not use it.$c$;
