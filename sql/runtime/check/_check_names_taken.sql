-- 'name taken': a partition of the family in a range root's premake window (the current one
-- and premake ahead), not attached, whose name (its table's, an index's) another role's
-- object holds (parting._name_taken): maintenance skips it at every run until that object
-- is gone, so it is reported with who must act.
CREATE OR REPLACE FUNCTION parting._check_names_taken(p_cfg parting.config)
RETURNS SETOF parting.problem
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_value text := parting._current(p_cfg);
  v_suffix text;
  v_m record;
  v_taken text;
BEGIN
  FOR i IN 0 .. p_cfg.premake LOOP
    v_suffix := (parting._bound(p_cfg, v_value)).suffix;
    IF parting._offline_state(p_cfg, v_suffix) IS NULL THEN
      FOR v_m IN SELECT * FROM parting._members(p_cfg, v_suffix) m WHERE NOT m.attached LOOP
        v_taken := parting._name_taken(v_m.cfg, v_suffix, false);
        IF v_taken IS NOT NULL THEN
          RETURN NEXT ROW((v_m.cfg).model, parting._name((v_m.cfg).table_name, v_suffix), v_suffix, 'name taken',
                          format('name taken by %s: pgpart does not make this partition while it is there', v_taken),
                          format('have role %s (or a superuser) drop or rename it; the next maintenance run makes the partition',
                                 substring(v_taken FROM 'owned by role (.*)$')),
                          false)::parting.problem;
        END IF;
      END LOOP;
    END IF;
    v_value := (parting._bound(p_cfg, v_value)).upper;
  END LOOP;
END;
$$;
