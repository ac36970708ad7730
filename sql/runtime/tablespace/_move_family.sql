-- One maintenance 'tablespace' step: moves the first table of the family holding p_value
-- that is not where the config puts it (parting._placement), with its indexes, and
-- returns whether another of the family is still to move, so that each table is its own
-- transaction and holds its ACCESS EXCLUSIVE only for its own copy. The family lock is not
-- taken: the copy may take minutes, and making today's partitions must not wait for it;
-- the table's own ACCESS EXCLUSIVE keeps a detach or attach of it out meanwhile.
CREATE OR REPLACE FUNCTION parting._move_family(p_root parting.config, p_value text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_current text := CASE WHEN p_root.strategy = 'range' THEN parting._current(p_root) END;
  v_p record;
BEGIN
  SELECT p.* INTO v_p FROM parting._placement(p_root, p_value, v_current) p
   WHERE p.target IS NOT NULL AND p.target IS DISTINCT FROM p.tablespace
   ORDER BY p.n LIMIT 1;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM parting._move_table(v_p.cfg, v_p.rel, v_p.target,
                              CASE v_p.state WHEN 'attached' THEN 'tier' WHEN 'archived' THEN 'archiveTablespace' ELSE 'detachTablespace' END);
  RETURN EXISTS (SELECT FROM parting._placement(p_root, p_value, v_current) p
                  WHERE p.target IS NOT NULL AND p.target IS DISTINCT FROM p.tablespace);
END;
$$;
