-- Whether the run guard's holder (the session p_pid, whose run began at p_since) still holds
-- the session advisory lock its run took (parting._run_key): read in pg_locks, which every
-- role may read, where pg_stat_activity hides other roles' sessions. Only the holder's own
-- session can hold that lock under its pid, so another role holding the same key proves
-- nothing, and a session on a reused pid holds another key or none.
CREATE OR REPLACE FUNCTION parting._run_held(p_pid integer, p_since timestamptz)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key integer[] := parting._run_key(p_since);
BEGIN
  RETURN EXISTS (
    SELECT FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.pid = p_pid AND l.objsubid = 2
       AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
       AND l.classid = v_key[1]::oid AND l.objid = v_key[2]::oid);
END;
$$;
