-- Where the partitions a range family missed end (the lower bound they lie below), or NULL
-- when it missed none: the current partition's lower bound when its table is missing (a run
-- finds maintenance was down), else the one a catch-up in progress began at
-- (parting.catch_up). A current partition that exists with no catch-up recorded means
-- nothing was missed, and a gap below it was left on purpose (an old month made by hand to
-- import into): it is not filled.
CREATE OR REPLACE FUNCTION parting._catch_up_until(p_root parting.config, p_current_lower text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN to_regclass(format('%I.%I', p_root.schema_name,
                                      parting._name(p_root.table_name, (parting._bound(p_root, p_current_lower)).suffix))) IS NULL
              THEN p_current_lower
              ELSE (SELECT c.until FROM parting.catch_up c WHERE c.model = p_root.model) END
$$;
