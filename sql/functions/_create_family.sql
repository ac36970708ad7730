-- Creates the partition for one canonical value (or the default partition) in every model
-- of a family, parents before dependents, so each dependent's foreign key finds its target.
-- Returns the partitions it created. Serialized per family with a transaction-level
-- advisory lock, so two callers never race to create the same tables.
CREATE OR REPLACE FUNCTION parting._create_family(p_root parting.config, p_value text, p_default boolean DEFAULT false)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config;
  v_bound record;
  v_rel regclass;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('parting.family'), hashtext(p_root.root_model));
  FOR v_cfg IN SELECT * FROM parting.config WHERE root_model = p_root.root_model ORDER BY family_order, model LOOP
    IF p_default THEN
      v_rel := parting._create_partition(v_cfg, 'default', NULL, NULL, true);
    ELSE
      v_bound := parting._bound(v_cfg, p_value);
      v_rel := parting._create_partition(v_cfg, v_bound.suffix, v_bound.lower, v_bound.upper);
    END IF;
    IF v_rel IS NOT NULL THEN
      RETURN NEXT v_rel;
    END IF;
  END LOOP;
END;
$$;
