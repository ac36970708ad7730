-- 'name taken': a partition of the family pgpart would make, not attached, whose name (its
-- table's, an index's) another role's object holds (parting._name_taken): maintenance and
-- the install skip it at every run until that object is gone, so it is reported with who
-- must act. The partitions pgpart would make: for a range root, its premake window (the
-- current one and premake ahead); for a list root, which makes no partition by the clock,
-- the keys it knows: those the config's initial keys (or an earlier skip) asked for, as the
-- install's 'skipped' history rows name them, its dependents' partitions for the keys the
-- root has, and its default partition when the config has one.
CREATE OR REPLACE FUNCTION parting._check_names_taken(p_cfg parting.config)
RETURNS SETOF parting.problem
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_value text;
  v_suffixes text[] := '{}';
  v_suffix text;
  v_m record;
  v_taken text;
BEGIN
  IF p_cfg.strategy = 'range' THEN
    v_value := parting._current(p_cfg);
    FOR i IN 0 .. p_cfg.premake LOOP
      v_suffixes := v_suffixes || (parting._bound(p_cfg, v_value)).suffix;
      v_value := (parting._bound(p_cfg, v_value)).upper;
    END LOOP;
  ELSE
    v_suffixes := ARRAY(
      SELECT DISTINCT k.suffix
        FROM (SELECT t.suffix FROM parting._made_tables(p_cfg) t WHERE t.state = 'attached' AND NOT t.is_default
              UNION ALL
              SELECT h.detail ->> 'suffix' FROM parting.history h
               WHERE h.model = p_cfg.model AND h.action = 'skipped' AND h.detail ->> 'step' = 'create'
                 AND h.detail ->> 'sqlstate' = 'PGP02' AND h.detail ->> 'suffix' IS NOT NULL
                 AND h.detail ->> 'suffix' <> 'default') k
       ORDER BY k.suffix);
  END IF;
  -- The default partition the config asks for (the install makes it, if its name is free).
  IF p_cfg.default_partition THEN
    v_suffixes := v_suffixes || 'default'::text;
  END IF;
  FOREACH v_suffix IN ARRAY v_suffixes LOOP
    IF parting._offline_state(p_cfg, v_suffix) IS NULL THEN
      FOR v_m IN SELECT * FROM parting._members(p_cfg, v_suffix) m WHERE NOT m.attached LOOP
        v_taken := parting._name_taken(v_m.cfg, v_suffix, v_suffix = 'default');
        IF v_taken IS NOT NULL THEN
          RETURN NEXT ROW((v_m.cfg).model, parting._name((v_m.cfg).table_name, v_suffix), v_suffix, 'name taken',
                          format('name taken by %s: pgpart does not make this partition while it is there', v_taken),
                          format('have role %s (or a superuser) drop or rename it; %s makes the partition',
                                 substring(v_taken FROM 'owned by role (.*)$'),
                                 CASE WHEN v_suffix = 'default' THEN 'the next install'
                                      WHEN p_cfg.strategy = 'range' THEN 'the next maintenance run'
                                      ELSE 'the next install (or ensure_partition with its key)' END),
                          false)::parting.problem;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
END;
$$;
