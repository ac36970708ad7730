-- A server setting's value, or NULL when it does not exist or this role may not read it
-- (pg_cron's settings and shared_preload_libraries are for superusers and
-- pg_read_all_settings only): for messages and hints, which must never fail for that.
CREATE OR REPLACE FUNCTION parting._setting(p_name text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN current_setting(p_name, true);
EXCEPTION WHEN insufficient_privilege THEN
  RETURN NULL;
END;
$$;
