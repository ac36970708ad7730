-- The retention work `pgpart maintain` can do with DETACH PARTITION ... CONCURRENTLY, which
-- never takes ACCESS EXCLUSIVE on the parent but must run outside a transaction block and
-- is refused where the parent has a default partition: first the families a previous
-- `pgpart maintain` left detaching, then the due 'retire' steps of families without a
-- default partition, oldest first. Not a distributed family's: Citus has no DETACH ...
-- CONCURRENTLY, and run_maintenance detaches them.
CREATE OR REPLACE FUNCTION parting._due_concurrently(p_model text DEFAULT NULL)
RETURNS TABLE (model text, suffix text, action text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_model IS NOT NULL THEN
    PERFORM parting._root(p_model, 'run_maintenance');
  END IF;
  RETURN QUERY
  SELECT DISTINCT r.model, o.suffix, coalesce(r.retention_action, 'detach')
    FROM parting.offline o
    JOIN parting.config c ON c.model = o.model
    JOIN parting.config r ON r.model = c.root_model
   WHERE (p_model IS NULL OR r.model = p_model) AND o.state = 'detaching';
  RETURN QUERY
  SELECT c.model, s.arg, c.retention_action
    FROM parting.config c
   CROSS JOIN LATERAL parting._due(c) WITH ORDINALITY AS s(step, arg, n)
   WHERE c.parent_model IS NULL AND (p_model IS NULL OR c.model = p_model) AND s.step = 'retire'
     AND NOT c.default_partition AND c.distribution IS NULL
     AND parting._offline_state(c, s.arg) IS NULL
   ORDER BY c.model, s.n;
END;
$$;
