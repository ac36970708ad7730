-- What `pgpart apply` runs after the install's transaction, in order, one row per statement:
-- the `later` work of parting._changes (index copies built CONCURRENTLY and attached, foreign
-- keys validated), each with its change and what the statement does (parting.statement).
-- Read-only, like parting.plan.
CREATE OR REPLACE FUNCTION parting._deferred(p_desired jsonb, p_search_path text)
RETURNS TABLE (model text, change text, target text, verb text, object text, statement text, waits boolean)
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.model, c.change, c.target, s.verb, s.object, s.sql, s.waits
    FROM parting._changes(p_desired, p_search_path) WITH ORDINALITY AS c
   CROSS JOIN LATERAL unnest(c.later) WITH ORDINALITY AS s
   ORDER BY c.ordinality, s.ordinality
$$;
