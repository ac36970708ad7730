-- After a write into an adoption's shadow family failed its partition check
-- (check_violation): when the error says no partition holds the row's key (a row written
-- since the adoption started, beyond the partitions made then), makes that partition and
-- returns true, so the statement can be run again; false for any other check_violation.
CREATE OR REPLACE FUNCTION parting._adopt_missing_partition(p_root text, p_detail text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key text := substring(p_detail from '^Partition key of the failing row contains \(.*\) = \((.*)\)\.$');
BEGIN
  IF v_key IS NULL THEN
    RETURN false;
  END IF;
  PERFORM parting._adopt_partition(p_root, parting._canonical(parting._model(p_root), v_key));
  RETURN true;
END;
$$;
