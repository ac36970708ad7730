-- Lets go of the run guard, if this session holds it (parting._run_lock), and of the advisory
-- locks that proved it alive. The caller commits.
CREATE OR REPLACE FUNCTION parting._run_unlock()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE parting.run_guard SET pid = NULL, backend_start = NULL, holder = NULL, since = NULL WHERE pid = pg_backend_pid();
  PERFORM parting._run_release();
END;
$$;
