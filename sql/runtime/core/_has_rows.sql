-- Whether any of the tables (a parent counts its partitions) holds a row: one index-free
-- probe each, under ACCESS SHARE, stopping at the first row.
CREATE OR REPLACE FUNCTION parting._has_rows(p_rels regclass[])
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_rel regclass;
  v_found boolean;
BEGIN
  FOREACH v_rel IN ARRAY p_rels LOOP
    EXECUTE format('SELECT EXISTS (SELECT FROM %s)', v_rel) INTO v_found;
    IF v_found THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END;
$$;
