-- Detaches one partition of a model's whole family by hand, then archives or
-- drops it when asked. Families move together: a dependent's partition alone is refused.
-- On a family already detached, 'archive' and 'drop' still apply; 'detach' does nothing.
CREATE OR REPLACE FUNCTION parting.detach_partition(p_model text, p_key text, p_action text DEFAULT 'detach')
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'detach_partition');
  v_suffix text;
BEGIN
  IF p_key = 'default' AND v_cfg.strategy = 'range' THEN
    RAISE EXCEPTION 'the default partition of model "%" is not detached by pgpart', p_model
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'it catches rows no partition holds; run_maintenance moves them into their partitions';
  END IF;
  v_suffix := parting._suffix(v_cfg, p_key);
  IF p_action IS NULL OR p_action NOT IN ('detach', 'archive', 'drop') THEN
    RAISE EXCEPTION 'unknown action "%"', p_action
      USING ERRCODE = 'invalid_parameter_value', HINT = 'action is ''detach'' (the default), ''archive'' or ''drop''';
  END IF;
  IF NOT (SELECT m.attached FROM parting._members(v_cfg, v_suffix) m LIMIT 1)
     AND NOT EXISTS (SELECT FROM parting.offline o WHERE o.model = v_cfg.model AND o.suffix = v_suffix AND o.state <> 'filling') THEN
    RAISE EXCEPTION 'model "%" has no partition for key "%"', p_model, p_key
      USING ERRCODE = 'undefined_table',
            DETAIL = format('the partition would be %I.%I', v_cfg.schema_name, parting._name(v_cfg.table_name, v_suffix)),
            HINT = format('list them: SELECT * FROM parting.partitions(%L)', p_model);
  END IF;
  RETURN QUERY SELECT * FROM parting._detach_family(v_cfg, v_suffix, p_action);
  IF NOT FOUND THEN
    -- Already detached: only the action is left to do.
    PERFORM parting._offline_action(v_cfg, v_suffix, p_action);
  END IF;
END;
$$;

COMMENT ON FUNCTION parting.detach_partition(text, text, text) IS
$c$Detaches the partition holding a key from every model of the family (dependents first, parents' locks taken first in the writers' order under lock_timeout), then 'detach' (default: keep the tables), 'archive' (attach them to archive.<table>) or 'drop'. Returns the names of the partitions detached.$c$;
