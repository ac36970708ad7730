-- What PostgreSQL says to a COMMIT where transaction control is not allowed at all (a
-- function is such a place: always), in the server's language (lc_messages).
-- parting.run_maintenance compares it with what its own probe COMMIT was told: inside a
-- transaction block it is told this; outside one, only that a subtransaction is active
-- (the probe's own), in the same language.
CREATE OR REPLACE FUNCTION parting._atomic_commit_message()
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_message text;
BEGIN
  COMMIT;
  RETURN NULL;
EXCEPTION WHEN invalid_transaction_termination THEN
  GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
  RETURN v_message;
END;
$$;
