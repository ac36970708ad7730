-- What PostgreSQL says to a COMMIT where transaction control is not allowed at all, in the
-- server's language (lc_messages): a procedure with a SET clause, as this one, may never
-- COMMIT. parting.run_maintenance compares it with what its own probe COMMIT was told:
-- inside a transaction block it is told this; outside one, only that a subtransaction is
-- active (the probe's own exception block), in the same language.
CREATE OR REPLACE PROCEDURE parting._atomic_commit_message(INOUT p_message text DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- plpgsql_check refuses a COMMIT that must fail: here, on purpose.
  PERFORM 'PRAGMA:DISABLE:CHECK';
  COMMIT;
EXCEPTION WHEN invalid_transaction_termination THEN
  GET STACKED DIAGNOSTICS p_message = MESSAGE_TEXT;
END;
$$;
