-- Lets go of the run guard, if this session holds it (parting._run_lock), and of the advisory
-- locks that proved it alive. The caller commits. In SQL, as every run calls it: a new
-- connection compiles no PL/pgSQL routine for it.
CREATE OR REPLACE FUNCTION parting._run_unlock()
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE parting.run_guard SET pid = NULL, backend_start = NULL, holder = NULL, since = NULL WHERE pid = pg_backend_pid();
  SELECT parting._run_release();
$$;
