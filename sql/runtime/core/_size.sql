-- A table's size with its indexes and TOAST: on Citus, a distributed table's rows live in
-- its shards on the workers (the coordinator's table is empty), so Citus sums them there.
CREATE OR REPLACE FUNCTION parting._size(p_rel regclass)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_bytes bigint;
BEGIN
  IF EXISTS (SELECT FROM parting._distribution(p_rel)) THEN
    EXECUTE format('SELECT %s($1)', parting._citus_name('citus_total_relation_size')) INTO v_bytes USING p_rel;
    RETURN v_bytes;
  END IF;
  RETURN pg_total_relation_size(p_rel);
END;
$$;
