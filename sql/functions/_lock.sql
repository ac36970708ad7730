-- Takes p_mode locks on p_rels, in the order given, without ever queueing long in front of
-- writers (DESIGN F5): every request runs under the model's short lock_timeout, a request
-- that must fail is not made (a conflicting holder whose transaction is already older than
-- lock_timeout will not let go in time; asking would stall every writer queued behind us
-- for nothing), and between tries it backs off, jittered and exponentially. After
-- lock_tries tries it raises lock_not_available naming the holder. Returns the tries taken.
-- Locks are taken ONLY on the relations named (never recursing into partitions), and in
-- the writers' order (parents before partitions, family order), so it cannot deadlock
-- with them.
CREATE OR REPLACE FUNCTION parting._lock(p_rels regclass[], p_mode text, p_cfg parting.config)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_try integer := 1;
  v_old text := current_setting('lock_timeout');
  v_why text;
  v_sql text;
BEGIN
  IF p_mode NOT IN ('SHARE UPDATE EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE') THEN
    RAISE EXCEPTION 'parting._lock: unsupported mode %', p_mode;
  END IF;
  IF coalesce(cardinality(p_rels), 0) = 0 THEN
    RETURN 0;
  END IF;
  v_sql := format('LOCK TABLE %s IN %s MODE',
                  (SELECT string_agg('ONLY ' || r::text, ', ' ORDER BY i) FROM unnest(p_rels) WITH ORDINALITY AS u(r, i)),
                  p_mode);
  LOOP
    v_why := parting._blocker(p_rels, p_mode, p_cfg.lock_timeout::interval);
    IF v_why IS NULL THEN
      BEGIN
        PERFORM set_config('lock_timeout', p_cfg.lock_timeout, true);
        EXECUTE v_sql;
        PERFORM set_config('lock_timeout', v_old, true);
        RETURN v_try;
      EXCEPTION WHEN lock_not_available THEN
        -- The subtransaction's rollback has already restored lock_timeout.
        v_why := format('lock_timeout (%s) expired', p_cfg.lock_timeout);
      END;
    END IF;
    IF v_try >= p_cfg.lock_tries THEN
      RAISE EXCEPTION 'could not take % locks on % after % tries: %', p_mode, p_rels::text, v_try, v_why
        USING ERRCODE = 'lock_not_available';
    END IF;
    PERFORM pg_sleep(least(0.05 * 2 ^ v_try, 2.0) * (0.5 + random() / 2));
    v_try := v_try + 1;
  END LOOP;
END;
$$;
