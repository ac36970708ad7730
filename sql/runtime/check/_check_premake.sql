-- 'missing partition': a range root's partition in the premake window (the current one
-- and premake ahead) that is neither attached nor offline.
CREATE OR REPLACE FUNCTION parting._check_premake(p_cfg parting.config, p_parent regclass)
RETURNS SETOF parting.problem
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_value text := parting._current(p_cfg);
  v_suffix text;
BEGIN
  FOR i IN 0 .. p_cfg.premake LOOP
    v_suffix := (parting._bound(p_cfg, v_value)).suffix;
    IF parting._offline_state(p_cfg, v_suffix) IS NULL
       AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhparent = p_parent
                          AND h.inhrelid = to_regclass(format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, v_suffix)))) THEN
      RETURN NEXT ROW(p_cfg.model, parting._name(p_cfg.table_name, v_suffix), v_suffix, 'missing partition',
                      format('within premake (%s ahead of the current one)', p_cfg.premake),
                      'create it (parting.ensure_partition)', true)::parting.problem;
    END IF;
    v_value := (parting._bound(p_cfg, v_value)).upper;
  END LOOP;
END;
$$;
