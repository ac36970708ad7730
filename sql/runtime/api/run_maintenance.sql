-- The maintenance run: for every root model (or the one named) that parting._due_idle (one
-- query for all of them) does not find idle, the steps parting._due lists (create ahead and
-- catch up, drain the default partition, retire by retention, move families to their
-- tablespaces, drop what is past dropAfter), one short transaction each:
-- a procedure, so it COMMITs after every step and never holds locks across the run. Then,
-- where the config asks, ANALYZE of the parents of each family whose partitions it
-- attached or detached; last, parting.history rows older than historyKeep are pruned.
--
-- Two runs never overlap: a second one (the next pg_cron tick while this one waits on a
-- lock) returns at once with a NOTICE naming the first (parting._run_lock's guard row, which
-- only pgpart's roles can take). A step that fails is logged and rolled back alone, and the
-- run goes on; after a failed (or skipped) 'create', 'retire' or 'tablespace' step the
-- family's later steps of that kind are held for the next run (counted as 'create:held'
-- and so on): premade partitions never leave a gap, and retention and moves go oldest
-- first, which is what lets the next run's plan read only what is due; 'drain' steps go on. A cancel or statement_timeout during a step is logged like a failure,
-- the run stops, lets go of the guard and ends with the cancel's error; near a
-- statement_timeout it starts no step it could not finish in time.
--
-- No SET clause (a procedure with one cannot COMMIT): it pins its search_path itself, in
-- each of its transactions (a COMMIT ends the transaction-local setting), so a function or
-- operator another role puts in a schema ahead of pg_catalog never runs here. The pin is
-- the first statement after every COMMIT and is itself qualified: right after a COMMIT the
-- caller's own path is back, and an unqualified set_config would resolve through it (a
-- look-alike there would run as the caller, from pg_cron as a superuser).
CREATE OR REPLACE PROCEDURE parting.run_maintenance(p_model text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
  v_root text;
  v_step record;
  v_status text;
  v_batches integer;
  v_failed text[];
  v_held jsonb;
  v_started timestamptz;
  v_done jsonb;
  v_holder text;
  v_cancelled text;
  v_deadline timestamptz;
  v_probe text;
  v_atomic text;
  v_roots text[];
  v_idle text[];
  v_pending text[];
  v_share interval;
BEGIN
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  IF p_model IS NOT NULL THEN
    PERFORM parting._root(p_model, 'run_maintenance');
  END IF;
  -- Inside a transaction block (BEGIN …, a test framework's transaction such as Django's
  -- TestCase, a migration tool's, or several statements sent as one query string) a CALL may
  -- not COMMIT, and PostgreSQL would say only "invalid transaction termination" at the first
  -- COMMIT below. Ask first, and say why: a COMMIT in a block with an exception handler
  -- always fails, but where transaction control is allowed it is told only that a
  -- subtransaction (the block's) is active, and elsewhere what a function is always told
  -- (parting._atomic_commit_message, a procedure that never may), in whatever language the server speaks.
  -- (plpgsql_check refuses any COMMIT in a protected block, as it must fail: here, on purpose.)
  PERFORM 'PRAGMA:DISABLE:CHECK';
  BEGIN
    COMMIT;
  EXCEPTION WHEN invalid_transaction_termination THEN
    GET STACKED DIAGNOSTICS v_probe = MESSAGE_TEXT;
  END;
  PERFORM 'PRAGMA:ENABLE:CHECK';
  -- Where the server speaks English, the subtransaction's message says at once that
  -- transaction control is allowed here: a new connection then neither compiles nor calls
  -- the second probe (every run on a new connection takes this path).
  IF v_probe IS DISTINCT FROM 'cannot commit while a subtransaction is active' THEN
    CALL parting._atomic_commit_message(v_atomic);
  END IF;
  IF v_probe = v_atomic THEN
    RAISE EXCEPTION 'CALL parting.run_maintenance() cannot run inside a transaction block'
      USING ERRCODE = 'PGP03',
            DETAIL = 'it commits after each step, one short transaction each, and a procedure called inside a transaction block (or from a function) may not commit',
            HINT = 'call it on its own, in autocommit (psql, pg_cron, or a driver outside BEGIN … COMMIT); in Django use TransactionTestCase, not TestCase; '
                   'in node-pg-migrate, pgm.noTransaction() first. Inside a transaction, SELECT parting.ensure_partition(''<model>'') makes the partitions ahead without committing';
  END IF;
  -- Refused here, before the guard is taken, when called inside a transaction block.
  COMMIT;
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  v_holder := parting._run_lock();
  COMMIT;
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  IF v_holder IS NOT NULL THEN
    RAISE NOTICE 'parting.run_maintenance is already running (%): this call does nothing', v_holder;
    RETURN;
  END IF;
  IF current_setting('statement_timeout') NOT IN ('0', '0ms') THEN
    v_deadline := statement_timestamp() + current_setting('statement_timeout')::interval;
  END IF;

  v_roots := ARRAY(
    SELECT c.model FROM parting.config c
     WHERE c.parent_model IS NULL AND (p_model IS NULL OR c.model = p_model)
       -- A family being adopted is the adoption's until its swap (its tables are a shadow).
       -- A scalar subquery, not NOT EXISTS, and the sort with pg_catalog's `<` for text:
       -- no join on text and no default ordering for a new connection to look up (by
       -- weighing every btree operator class against the type, a catalog probe each).
       AND coalesce((SELECT a.phase FROM parting.adoption a WHERE a.model = c.model), 'swapped') = 'swapped'
     ORDER BY c.model USING OPERATOR(pg_catalog.<));
  -- The families with nothing due, found by one query (parting._due_idle), are not planned
  -- one by one: their 'maintained' rows are written together, in the run's order, each with
  -- its share of the query's time. Should the query fail, every family is planned, and the
  -- plan logs what failed; a cancel stops the run (letting go of the guard, ending with the
  -- cancel's error) before any family is planned, so there is no step to log it for.
  v_started := clock_timestamp();
  BEGIN
    v_idle := parting._due_idle(v_roots);
  EXCEPTION
    WHEN query_canceled THEN
      v_cancelled := 'planning';
    WHEN OTHERS THEN
      v_idle := '{}';
  END;
  -- Operators written with their exact argument types (interval / float8, array_append): a
  -- new connection then resolves them by one lookup, not by weighing every candidate. No
  -- greatest(): it compares by the type's default ordering, which a new connection finds by
  -- weighing every btree operator class against integer (a catalog probe each).
  v_share := (clock_timestamp() - v_started) / coalesce(nullif(cardinality(v_roots), 0), 1)::float8;
  v_pending := '{}';

  <<models>>
  FOREACH v_root IN ARRAY CASE WHEN v_cancelled IS NULL THEN v_roots ELSE '{}' END LOOP
    IF v_root = ANY (v_idle) THEN
      v_pending := array_append(v_pending, v_root);
      CONTINUE;
    END IF;
    IF cardinality(v_pending) > 0 THEN
      PERFORM parting._log_each(v_pending, NULL, 'maintained', '{}', v_share);
      COMMIT;
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
      v_pending := '{}';
    END IF;
    v_started := clock_timestamp();
    v_failed := ARRAY[]::text[];
    v_held := '{}';
    v_done := '{}';
    FOR v_step IN SELECT s.step, s.arg FROM parting._due_steps(v_root) s LOOP
      IF v_step.step = 'cancelled' THEN
        v_cancelled := v_step.arg;
        EXIT;
      END IF;
      IF v_deadline IS NOT NULL
         AND clock_timestamp() + 2 * (parting._settings()).lock_timeout::interval > v_deadline THEN
        -- Too close to statement_timeout to finish a step: leave the rest to the next run.
        v_done := v_done || jsonb_build_object(v_step.step || ':not started (statement_timeout)',
                                               coalesce((v_done ->> (v_step.step || ':not started (statement_timeout)'))::integer, 0) + 1);
        CONTINUE;
      END IF;
      IF v_step.step = ANY (v_failed) THEN
        -- Said in the run's row: how many were held, and behind which step's failure.
        v_done := v_done || jsonb_build_object(v_step.step || ':held', coalesce((v_done ->> (v_step.step || ':held'))::integer, 0) + 1,
                                               v_step.step || ':held behind', v_held ->> v_step.step);
        CONTINUE;
      END IF;
      v_batches := 0;
      LOOP
        v_status := parting._run_step(v_root, v_step.step, v_step.arg);
        COMMIT;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        v_batches := v_batches + 1;
        -- A drain that never catches up (writers faster than batches) yields to the next run.
        EXIT WHEN v_status <> 'more' OR v_batches >= 1000;
      END LOOP;
      IF v_step.step IN ('create', 'retire', 'tablespace') AND v_status IN ('failed', 'skipped', 'cancelled') THEN
        v_failed := v_failed || v_step.step;
        v_held := v_held || jsonb_build_object(v_step.step, format('%s %s (%s)', v_step.step, v_step.arg, v_status));
      END IF;
      v_done := v_done || jsonb_build_object(
                  v_step.step || ':' || v_status,
                  coalesce((v_done ->> (v_step.step || ':' || v_status))::integer, 0) + 1);
      IF v_status = 'cancelled' THEN
        v_cancelled := format('%s %s', v_step.step, v_step.arg);
        EXIT;
      END IF;
    END LOOP;
    -- Statistics of the parents, once the family's partitions changed.
    IF v_cancelled IS NULL AND (parting._settings()).analyze_parents
       AND EXISTS (SELECT FROM jsonb_object_keys(v_done) k WHERE k IN ('create:done', 'drain:done', 'retire:done', 'expire:done')) THEN
      v_status := parting._run_step(v_root, 'analyze', NULL);
      COMMIT;
      PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
      v_done := v_done || jsonb_build_object('analyze:' || v_status, 1);
      IF v_status = 'cancelled' THEN
        v_cancelled := 'analyze';
      END IF;
    END IF;
    PERFORM parting._log(v_root, NULL, 'maintained', v_done, clock_timestamp() - v_started);
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    EXIT models WHEN v_cancelled IS NOT NULL;
  END LOOP;
  IF cardinality(v_pending) > 0 THEN
    PERFORM parting._log_each(v_pending, NULL, 'maintained', '{}', v_share);
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  END IF;

  IF v_cancelled IS NULL THEN
    PERFORM parting._prune_history();
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  END IF;
  PERFORM parting._run_unlock();
  COMMIT;
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  IF v_cancelled IS NOT NULL THEN
    RAISE EXCEPTION 'parting.run_maintenance was cancelled during %: the steps before it are done, the rest is left to the next run', v_cancelled
      USING ERRCODE = 'query_canceled';
  END IF;
END;
$$;

COMMENT ON PROCEDURE parting.run_maintenance(text) IS
$c$Makes partitions premake ahead (then catches up after downtime, catchUp a run), moves rows out of default partitions, applies retention (detach, archive or drop, dependents first), moves families to their tiers' tablespaces and detached and archived ones to detachTablespace and archiveTablespace, drops detached and archived families past dropAfter, ANALYZEs changed parents when the config asks, prunes parting.history past historyKeep: one short transaction per step, each lock under lock_timeout with bounded retries, every step in parting.history, a failure logged without stopping the run. A second concurrent run returns at once.$c$;
