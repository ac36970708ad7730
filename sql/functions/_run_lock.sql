-- The lock that keeps two maintenance runs from overlapping: a session-level advisory lock
-- (a transaction-level one would end at run_maintenance's first COMMIT). Takes it, or
-- finds this session already holding it (`pgpart maintain` takes it before its concurrent
-- detaches, then calls run_maintenance), and returns NULL; else returns a line naming the
-- session that holds it.
CREATE OR REPLACE FUNCTION parting._run_lock()
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_holder record;
BEGIN
  IF EXISTS (SELECT FROM pg_locks l
              WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.objsubid = 2
                AND l.classid = hashtext('parting')::oid AND l.objid = hashtext('run_maintenance')::oid)
     OR pg_try_advisory_lock(hashtext('parting'), hashtext('run_maintenance')) THEN
    RETURN NULL;
  END IF;
  SELECT l.pid, a.state, a.query INTO v_holder
    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.classid = hashtext('parting')::oid AND l.objid = hashtext('run_maintenance')::oid
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
  RETURN format('pid %s%s', v_holder.pid,
                CASE WHEN v_holder.state = 'idle'
                     THEN ', which is idle: a run cancelled in that session left the lock; it goes with the session' ELSE '' END);
END;
$$;
