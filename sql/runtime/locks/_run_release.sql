-- Releases every advisory lock this session holds under the run guard's class
-- (parting._run_key): its own run's, and those of earlier runs of this session whose guard
-- another session took over.
--
-- One statement, in SQL, over pg_lock_status() (the function under the pg_locks view, the
-- same rows): every run calls this, and a new connection would otherwise load the view's
-- definition and compile a PL/pgSQL routine for it. pg_lock_status() reads the locks once,
-- before the first unlock, and each key is held once (parting._run_lock takes a key it does
-- not hold), so each is unlocked once.
CREATE OR REPLACE FUNCTION parting._run_release()
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT count(pg_advisory_unlock(k.class, l.objid::bigint::integer))
    FROM (SELECT (parting._run_key('epoch'::timestamptz))[1] AS class) k,
         pg_lock_status() l
   WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_backend_pid() AND l.objsubid = 2
     AND l.mode = 'ExclusiveLock' AND l.classid = k.class::oid
     AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
$$;
