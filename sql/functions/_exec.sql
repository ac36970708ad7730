-- Runs one DDL statement under the model's short lock_timeout, so it never waits long in
-- the lock queue in front of writers. On a lock timeout it backs off (jittered,
-- exponential) and tries again, up to p_tries times, then fails naming the statement.
-- Each try is a subtransaction, so a failed try leaves nothing behind.
CREATE OR REPLACE FUNCTION parting._exec(p_sql text, p_lock_timeout text, p_tries integer DEFAULT 5)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_try integer := 1;
  v_old text := current_setting('lock_timeout');
BEGIN
  LOOP
    BEGIN
      PERFORM set_config('lock_timeout', p_lock_timeout, true);
      EXECUTE p_sql;
      PERFORM set_config('lock_timeout', v_old, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      -- The subtransaction's rollback has already restored lock_timeout.
      IF v_try >= p_tries THEN
        RAISE EXCEPTION 'gave up after % tries of % each: could not lock for: %', p_tries, p_lock_timeout, p_sql
          USING ERRCODE = 'lock_not_available';
      END IF;
      PERFORM pg_sleep(least(0.05 * 2 ^ v_try, 2.0) * (0.5 + random() / 2));
      v_try := v_try + 1;
    END;
  END LOOP;
END;
$$;
