-- The maintenance run: for every root model (or the one named), the steps
-- parting._plan lists (create ahead and catch up, drain the default partition, retire by
-- retention, move archives to their tablespace), one short transaction each: a procedure,
-- so it COMMITs after every step and never holds locks across the run.
--
-- Two runs never overlap: a second one (the next pg_cron tick while this one waits on a
-- lock) returns at once with a NOTICE (parting._run_lock); the lock is released when the
-- run ends, and with the session if the run is cancelled. A step that fails is logged and
-- rolled back alone, and the run goes on; after a failed (or skipped) 'create' the
-- family's later 'create' steps are held for the next run (counted as 'create:held'), so
-- premade partitions never leave a gap; 'drain' steps go on.
--
-- No SET clause (a procedure with one cannot COMMIT); pgpart's names are qualified, and
-- the procedure is not SECURITY DEFINER, so the caller's search_path affects only the caller.
CREATE OR REPLACE PROCEDURE parting.run_maintenance(p_model text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
  v_root text;
  v_step record;
  v_status text;
  v_batches integer;
  v_create_failed boolean;
  v_started timestamptz;
  v_done jsonb;
  v_holder text;
BEGIN
  IF p_model IS NOT NULL THEN
    PERFORM parting._root(p_model, 'run_maintenance');
  END IF;
  -- Refused here, before any lock is taken, when called inside a transaction block.
  COMMIT;
  v_holder := parting._run_lock();
  IF v_holder IS NOT NULL THEN
    RAISE NOTICE 'parting.run_maintenance is already running (%): this call does nothing', v_holder;
    RETURN;
  END IF;

  FOR v_root IN
    SELECT c.model FROM parting.config c
     WHERE c.parent_model IS NULL AND (p_model IS NULL OR c.model = p_model)
     ORDER BY c.model
  LOOP
    v_started := clock_timestamp();
    v_create_failed := false;
    v_done := '{}';
    FOR v_step IN SELECT s.step, s.arg FROM parting._steps(v_root) s LOOP
      IF v_step.step = 'create' AND v_create_failed THEN
        v_done := v_done || jsonb_build_object('create:held', coalesce((v_done ->> 'create:held')::integer, 0) + 1);
        CONTINUE;
      END IF;
      v_batches := 0;
      LOOP
        v_status := parting._step(v_root, v_step.step, v_step.arg);
        COMMIT;
        v_batches := v_batches + 1;
        -- A drain that never catches up (writers faster than batches) yields to the next run.
        EXIT WHEN v_status <> 'more' OR v_batches >= 1000;
      END LOOP;
      v_create_failed := v_create_failed OR (v_step.step = 'create' AND v_status IN ('failed', 'skipped'));
      v_done := v_done || jsonb_build_object(
                  v_step.step || ':' || v_status,
                  coalesce((v_done ->> (v_step.step || ':' || v_status))::integer, 0) + 1);
    END LOOP;
    INSERT INTO parting.history (model, action, detail, duration)
    VALUES (v_root, 'maintained', v_done, clock_timestamp() - v_started);
    COMMIT;
  END LOOP;

  PERFORM pg_advisory_unlock(hashtext('parting'), hashtext('run_maintenance'));
END;
$$;

COMMENT ON PROCEDURE parting.run_maintenance(text) IS
$c$Makes partitions premake ahead (catching up after downtime, no gaps), moves rows out of default partitions, applies retention (detach, archive or drop, dependents first) and moves archives to archiveTablespace: one short transaction per step, each lock under lock_timeout with bounded retries, every step in parting.history, a failure logged without stopping the run. A second concurrent run returns at once.$c$;
