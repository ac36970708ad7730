-- The session advisory lock that proves a run guard's holder is still running (see
-- parting._run_lock): (pgpart's class, the guard's `since` in microseconds, cut to 31 bits).
-- Keyed by `since`, a time no other session knows in advance, so it names one run; holding
-- some other key, or this one from another session, proves nothing.
CREATE OR REPLACE FUNCTION parting._run_key(p_since timestamptz)
RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  -- 0x70617274: 'part'.
  -- Operands of the operators' exact types (numeric * numeric, bigint & bigint): a new
  -- connection then finds each operator by one lookup, not by weighing every candidate
  -- (a catalog probe per candidate type pair). The same values as with integer literals.
  -- extract called by its function name, so that the field's name is text, not a literal of
  -- unknown type weighed against every extract(): the same numeric as EXTRACT(epoch FROM …).
  SELECT ARRAY[1885434484, ((pg_catalog.extract('epoch'::text, p_since) * 1000000::numeric)::bigint & 2147483647::bigint)::integer]
$$;
