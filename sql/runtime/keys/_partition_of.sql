-- The attached partition of a model for a canonical value, else its default partition.
CREATE OR REPLACE FUNCTION parting._partition_of(p_cfg parting.config, p_value text, p_given text)
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parent regclass := format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass;
  v_rel regclass;
BEGIN
  FOREACH v_rel IN ARRAY ARRAY[
    to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, (parting._bound(p_cfg, p_value)).suffix))),
    to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, 'default')))]
  LOOP
    IF EXISTS (SELECT FROM pg_inherits WHERE inhrelid = v_rel AND inhparent = v_parent) THEN
      RETURN v_rel;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'no partition of model "%" holds %', p_cfg.model, p_given
    USING ERRCODE = 'invalid_parameter_value',
          HINT = format('create it: SELECT parting.ensure_partition(%L, %L)', p_cfg.root_model, p_value);
END;
$$;
