-- Takes the run guard that keeps two maintenance runs from overlapping (parting.run_guard),
-- or finds this session holding it already (`pgpart maintain` takes it before its concurrent
-- detaches, then calls run_maintenance), and returns NULL; else returns a line naming the
-- session that holds it. The guard is a row, committed by the caller, so it outlives the
-- run's many transactions; only roles that may update parting.run_guard can take it, so a
-- role that can merely connect cannot keep maintenance from running. A holder is taken over
-- when its session is gone (or is another session on the same pid) or has been idle for
-- 5 s: a run in progress is never idle, so that holder is a run cancelled before it let go.
CREATE OR REPLACE FUNCTION parting._run_lock()
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_me record;
  v_g parting.run_guard;
  v_holder record;
BEGIN
  SELECT a.pid, a.backend_start INTO v_me FROM pg_stat_activity a WHERE a.pid = pg_backend_pid();
  SELECT * INTO v_g FROM parting.run_guard FOR UPDATE;
  IF v_g.pid IS NOT NULL AND v_g.pid <> pg_backend_pid() THEN
    -- Another session's row: is it still running? Its backend_start and state are visible to
    -- pgpart's roles when they are the same user or may read all statistics; when hidden
    -- (NULL), the holder is taken to be alive.
    SELECT a.pid, a.state, a.state_change, a.backend_start INTO v_holder
      FROM pg_stat_activity a WHERE a.pid = v_g.pid;
    IF v_holder.pid IS NOT NULL
       AND (v_holder.backend_start IS NULL OR v_holder.backend_start = v_g.backend_start)
       AND NOT (v_holder.state LIKE 'idle%' AND v_holder.state_change < clock_timestamp() - interval '5 seconds') THEN
      RETURN format('pid %s, %s, since %s', v_g.pid, v_g.holder,
                    to_char(v_g.since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'));
    END IF;
  ELSIF v_g.pid = pg_backend_pid() AND v_g.backend_start IS NOT DISTINCT FROM v_me.backend_start THEN
    RETURN NULL;
  END IF;
  UPDATE parting.run_guard
     SET pid = pg_backend_pid(), backend_start = v_me.backend_start, holder = current_user::text, since = clock_timestamp();
  RETURN NULL;
END;
$$;
