-- Serializes the work on one family (creating, detaching, attaching its partitions) across
-- sessions, for the rest of the transaction: a row lock on the root's parting.config row.
-- A row only pgpart's own roles may lock, unlike an advisory lock, which any role that can
-- connect could take and hold to keep partitions from ever being made. An install, which
-- rewrites config rows, waits for it too.
CREATE OR REPLACE FUNCTION parting._family_lock(p_root parting.config)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- PL/pgSQL keeps the statement's plan; a SQL function would plan it at every call.
  PERFORM FROM parting.config WHERE model = p_root.root_model FOR NO KEY UPDATE;
END;
$$;
