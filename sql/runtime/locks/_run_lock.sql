-- Takes the run guard that keeps two maintenance runs from overlapping (parting.run_guard),
-- or finds this session holding it already (`pgpart maintain` takes it before its concurrent
-- detaches, then calls run_maintenance), and returns NULL; else returns a line naming the
-- session that holds it. The guard is a row, committed by the caller, so it outlives the
-- run's many transactions; only roles that may update parting.run_guard can take it, so a
-- role that can merely connect cannot keep maintenance from running.
--
-- Whether the holder still runs is read where this role may read it, and a holder this role
-- cannot see is never taken for gone:
-- - its session's activity, when visible (this role is a member of the holder's, or may read
--   all statistics): gone, or another session on the same pid, or idle for 5 s (a run in
--   progress is never idle: that holder is a run cancelled before it let go) → taken over;
-- - else pg_locks, which every role may read: the holder's run holds a session advisory lock
--   keyed by its guard's `since` (parting._run_key), taken here with the guard; while its
--   session holds that lock the run is alive, as seen by any role. (A pg_cron run as a
--   superuser and the owner's `pgpart maintain` see each other this way.) The lock is only
--   the proof of life: the guard is the row, so holding some advisory lock stops nothing.
CREATE OR REPLACE FUNCTION parting._run_lock()
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- Scalars, not a row of parting.run_guard or records: a new connection then looks up no
  -- composite type for them (every run on a new connection takes this path).
  v_my_start timestamptz;
  v_pid integer;
  v_start timestamptz;
  v_holder_role text;
  v_held_since timestamptz;
  v_holder record;
  v_since timestamptz;
  v_key integer[];
BEGIN
  -- pg_stat_get_activity(pid), the function under pg_stat_activity, for one backend: the
  -- same row, without the view's joins for a new connection to plan.
  SELECT a.backend_start INTO v_my_start FROM pg_stat_get_activity(pg_backend_pid()) a;
  SELECT g.pid, g.backend_start, g.holder, g.since INTO v_pid, v_start, v_holder_role, v_held_since
    FROM parting.run_guard g FOR UPDATE;
  IF v_pid IS NOT NULL AND v_pid <> pg_backend_pid() THEN
    SELECT a.pid, a.state, a.state_change, a.backend_start INTO v_holder
      FROM pg_stat_get_activity(v_pid) a;
    IF v_holder.backend_start IS NOT NULL THEN
      -- Visible: the same session, and not idle.
      IF v_holder.backend_start = v_start
         AND NOT (v_holder.state LIKE 'idle%' AND v_holder.state_change < clock_timestamp() - interval '5 seconds') THEN
        RETURN format('pid %s, %s, since %s', v_pid, v_holder_role,
                      to_char(v_held_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'));
      END IF;
    ELSIF v_holder.pid IS NOT NULL AND v_held_since IS NOT NULL AND parting._run_held(v_pid, v_held_since) THEN
      -- Hidden, but its run's lock is held under its pid: running.
      RETURN format('pid %s, %s, since %s', v_pid, v_holder_role,
                    to_char(v_held_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"'));
    END IF;
  ELSIF v_pid = pg_backend_pid() AND v_start IS NOT DISTINCT FROM v_my_start THEN
    RETURN NULL;
  END IF;
  -- This session's locks of earlier runs, whose guard was taken over meanwhile, prove nothing
  -- now. A session that never took one (parting.run_keys unset: every new connection, a
  -- pg_cron job's) has none to release, and skips reading the lock table for them.
  IF current_setting('parting.run_keys', true) IS NOT NULL THEN
    PERFORM parting._run_release();
  END IF;
  -- A key some other session holds already (a role that guessed it) is passed over: the
  -- proof must be this session's alone.
  v_since := clock_timestamp();
  LOOP
    v_key := parting._run_key(v_since);
    EXIT WHEN pg_try_advisory_lock(v_key[1], v_key[2]);
    v_since := v_since + interval '1 microsecond';
  END LOOP;
  -- Session-wide, as the lock is (a rollback of this transaction undoes the mark but not the
  -- lock: that one is left to parting._run_unlock's release at the run's end).
  PERFORM set_config('parting.run_keys', 'taken', false);
  UPDATE parting.run_guard
     SET pid = pg_backend_pid(), backend_start = v_my_start, holder = current_user::text, since = v_since;
  RETURN NULL;
END;
$$;
