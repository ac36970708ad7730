-- Takes all the locks one step needs, p_modes[i] on p_rels[i], in the order given, or none:
-- every try is one subtransaction, so a try that fails releases what it took before it
-- backs off, and no lock is ever held while waiting for another (DESIGN F5). Each request
-- runs under the model's short lock_timeout; a try that must fail is not made (a
-- conflicting holder whose transaction is already older than lock_timeout will not let go
-- in time; asking would stall every writer queued behind us for nothing); between tries it
-- backs off, jittered and exponentially. After lock_tries tries it raises
-- lock_not_available naming the holder. Returns the tries taken.
-- Locks are taken ONLY on the relations named (never recursing into partitions); callers
-- list them in the writers' order (parents before partitions, family order), so taking
-- them cannot deadlock with writers; a deadlock with some other session is retried too.
CREATE OR REPLACE FUNCTION parting._lock(p_rels regclass[], p_modes text[], p_cfg parting.config)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_try integer := 1;
  v_old text := current_setting('lock_timeout');
  v_modes text[];
  v_why text;
  v_sql text;
BEGIN
  IF coalesce(cardinality(p_rels), 0) = 0 THEN
    RETURN 0;
  END IF;
  -- One mode for all, or one per relation.
  v_modes := CASE WHEN cardinality(p_modes) = 1 THEN array_fill(p_modes[1], ARRAY[cardinality(p_rels)]) ELSE p_modes END;
  IF cardinality(v_modes) <> cardinality(p_rels)
     OR NOT v_modes <@ ARRAY['SHARE UPDATE EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'] THEN
    RAISE EXCEPTION 'parting._lock: bad modes % for %', p_modes, p_rels;
  END IF;
  SELECT string_agg(format('LOCK TABLE ONLY %s IN %s MODE', r, m), '; ' ORDER BY i) INTO v_sql
    FROM unnest(p_rels, v_modes) WITH ORDINALITY AS u(r, m, i);
  LOOP
    v_why := parting._blocker(p_rels, v_modes, p_cfg.lock_timeout::interval);
    IF v_why IS NULL THEN
      BEGIN
        PERFORM set_config('lock_timeout', p_cfg.lock_timeout, true);
        EXECUTE v_sql;
        PERFORM set_config('lock_timeout', v_old, true);
        RETURN v_try;
      EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
        -- The subtransaction's rollback has released its locks and restored lock_timeout.
        v_why := CASE WHEN SQLSTATE = '40P01' THEN 'deadlock with another session'
                      ELSE format('lock_timeout (%s) expired', p_cfg.lock_timeout) END;
      END;
    END IF;
    IF v_try >= p_cfg.lock_tries THEN
      RAISE EXCEPTION 'could not take the locks on % after % tries: %', p_rels::text, v_try, v_why
        USING ERRCODE = 'lock_not_available';
    END IF;
    PERFORM pg_sleep(least(0.05 * 2 ^ v_try, 2.0) * (0.5 + random() / 2));
    v_try := v_try + 1;
  END LOOP;
END;
$$;
