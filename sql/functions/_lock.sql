-- Takes all the locks one step needs, or none: SHARE UPDATE EXCLUSIVE on p_share_update,
-- then EXCLUSIVE on p_exclusive, then ACCESS EXCLUSIVE on p_access_exclusive, each list in
-- the order given;
-- every try is one subtransaction, so a try that fails releases what it took before it
-- backs off, and no lock is ever held while waiting for another. Each request
-- runs under the model's short lock_timeout; a try that must fail is not made (a
-- conflicting holder whose transaction is already older than lock_timeout will not let go
-- in time; asking would stall every writer queued behind us for nothing); between tries it
-- backs off, jittered and exponentially. After lock_tries tries it raises
-- lock_not_available naming the holder. Returns the tries taken.
-- Locks are taken ONLY on the relations named (never recursing into partitions). Every
-- step needs its weaker locks on relations writers reach first (parents) or never (archive
-- tables), so weakest-first is the writers' order too (parents before partitions, family
-- order) and taking them cannot deadlock with writers; a deadlock with some other session
-- is retried.
CREATE OR REPLACE FUNCTION parting._lock(p_cfg parting.config, p_share_update regclass[] DEFAULT '{}',
                                         p_exclusive regclass[] DEFAULT '{}', p_access_exclusive regclass[] DEFAULT '{}')
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_try integer := 1;
  v_old text := current_setting('lock_timeout');
  v_rels regclass[] := p_share_update || p_exclusive || p_access_exclusive;
  v_modes text[] := array_fill('SHARE UPDATE EXCLUSIVE'::text, ARRAY[cardinality(p_share_update)])
                    || array_fill('EXCLUSIVE'::text, ARRAY[cardinality(p_exclusive)])
                    || array_fill('ACCESS EXCLUSIVE'::text, ARRAY[cardinality(p_access_exclusive)]);
  v_why text;
  v_sql text;
BEGIN
  IF cardinality(v_rels) = 0 THEN
    RETURN 0;
  END IF;
  SELECT string_agg(format('LOCK TABLE ONLY %s IN %s MODE', r, m), '; ' ORDER BY i) INTO v_sql
    FROM unnest(v_rels, v_modes) WITH ORDINALITY AS u(r, m, i);
  LOOP
    v_why := parting._blocker(v_rels, v_modes, p_cfg.lock_timeout::interval);
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
      RAISE EXCEPTION 'could not take the locks on % after % tries: %', v_rels::text, v_try, v_why
        USING ERRCODE = 'lock_not_available';
    END IF;
    PERFORM pg_sleep(least(0.05 * 2 ^ v_try, 2.0) * (0.5 + random() / 2));
    v_try := v_try + 1;
  END LOOP;
END;
$$;
