-- Releases every advisory lock this session holds under the run guard's class
-- (parting._run_key): its own run's, and those of earlier runs of this session whose guard
-- another session took over.
CREATE OR REPLACE FUNCTION parting._run_release()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_class integer := (parting._run_key('epoch'::timestamptz))[1];
  v_objid oid;
BEGIN
  FOR v_objid IN
    SELECT l.objid FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_backend_pid() AND l.objsubid = 2
       AND l.mode = 'ExclusiveLock' AND l.classid = v_class::oid
       AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
  LOOP
    -- Taken once each (parting._run_lock takes a key it does not hold), so unlocked once.
    PERFORM pg_advisory_unlock(v_class, v_objid::bigint::integer);
  END LOOP;
END;
$$;
