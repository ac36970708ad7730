-- The partitions an install makes for a model:
--   add member partitions  a dependent new to the config whose parent model already has
--                          partitions: one for each of them (parting._add_member);
--   create partitions      for a root, what the config's initial partitions ask and the
--                          database lacks: the default partition, the current one and
--                          premake ahead (families detached or archived stay so), listed
--                          keys (ensure_partition, SHARE UPDATE EXCLUSIVE on the parents);
--   drop default           a default partition the config no longer has, if it is empty
--                          (with rows it is refused: they would have nowhere to go).
CREATE OR REPLACE FUNCTION parting._change_partitions(p_m jsonb, p_cfg parting.config, p_old parting.config, p_parent regclass)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_up parting.config;
  v_tables regclass[];
  v_initial jsonb := p_m -> 'initial';
  v_missing text[] := '{}';
  v_value text;
  v_suffix text;
  v_key text;
  v_defaults regclass[];
BEGIN
  IF p_cfg.parent_model IS NOT NULL THEN
    SELECT * INTO v_up FROM parting.config WHERE model = p_cfg.parent_model;
    IF p_old.model IS NULL AND FOUND THEN
      v_tables := ARRAY(SELECT t.rel FROM parting._model_tables(v_up) t WHERE t.kind <> 'archive');
      IF cardinality(v_tables) > 0 THEN
        RETURN NEXT parting._change(p_cfg.model, 'add member partitions', p_cfg.table_name,
          format('one partition of %s for each of the %s partition(s) of %s (attached, detached or archived alike), each with its foreign key',
                 p_cfg.table_name, cardinality(v_tables), v_up.table_name),
          parting._locks(v_tables, 'SHARE ROW EXCLUSIVE'),
          format('SHARE ROW EXCLUSIVE on %s''s %s partition(s), for the foreign keys (catalog only: the new partitions are empty)',
                 v_up.table_name, cardinality(v_tables)),
          ARRAY[format('CALL parting._add_member(%L)', p_cfg.model)]);
      END IF;
    END IF;
    RETURN;
  END IF;

  -- A root: its initial partitions, where they are missing (a model new to the database or
  -- to parting.config: all it asks, which ensure_partition makes only where missing).
  IF p_parent IS NULL OR p_old.model IS NULL THEN
    IF (v_initial ->> 'current')::boolean OR jsonb_array_length(v_initial -> 'keys') > 0 OR (v_initial ->> 'default')::boolean THEN
      RETURN NEXT parting._change(p_cfg.model, 'create partitions', p_cfg.table_name,
        concat_ws(', ', CASE WHEN (v_initial ->> 'default')::boolean THEN 'the default partition' END,
                  CASE WHEN (v_initial ->> 'current')::boolean THEN format('the current partition and %s ahead', p_cfg.premake) END,
                  CASE WHEN jsonb_array_length(v_initial -> 'keys') > 0 THEN format('keys %s', (SELECT string_agg(k, ', ') FROM jsonb_array_elements_text(v_initial -> 'keys') k)) END)
          || ', in every model of the family',
        NULL, 'none (new tables)',
        ARRAY[format('CALL parting._install_partitions(%L, %L, %L, %L)', p_cfg.model, v_initial ->> 'current',
                     ARRAY(SELECT jsonb_array_elements_text(v_initial -> 'keys')), v_initial ->> 'default')]);
    END IF;
    RETURN;
  END IF;

  IF (v_initial ->> 'default')::boolean AND NOT (SELECT bool_and(m.attached) FROM parting._members(p_cfg, 'default') m) THEN
    v_missing := v_missing || parting._name(p_cfg.table_name, 'default');
  END IF;
  IF (v_initial ->> 'current')::boolean THEN
    v_value := parting._current(p_cfg);
    FOR i IN 0 .. p_cfg.premake LOOP
      v_suffix := (parting._bound(p_cfg, v_value)).suffix;
      IF parting._offline_state(p_cfg, v_suffix) IS DISTINCT FROM 'offline'
         AND NOT (SELECT bool_and(m.attached) FROM parting._members(p_cfg, v_suffix) m) THEN
        v_missing := v_missing || parting._name(p_cfg.table_name, v_suffix);
      END IF;
      v_value := (parting._bound(p_cfg, v_value)).upper;
    END LOOP;
  END IF;
  FOR v_key IN SELECT jsonb_array_elements_text(v_initial -> 'keys') LOOP
    v_suffix := parting._suffix(p_cfg, v_key);
    IF parting._offline_state(p_cfg, v_suffix) IS DISTINCT FROM 'offline'
       AND NOT (SELECT bool_and(m.attached) FROM parting._members(p_cfg, v_suffix) m) THEN
      v_missing := v_missing || parting._name(p_cfg.table_name, v_suffix);
    END IF;
  END LOOP;
  IF cardinality(v_missing) > 0 THEN
    RETURN NEXT parting._change(p_cfg.model, 'create partitions', array_to_string(v_missing, ', '),
      format('%s and the same partitions of its dependents', array_to_string(v_missing, ', ')),
      NULL, 'SHARE UPDATE EXCLUSIVE on the family''s parents (writers go on); EXCLUSIVE while rows move out of a default partition',
      ARRAY[format('CALL parting._install_partitions(%L, %L, %L, %L)', p_cfg.model, v_initial ->> 'current',
                   ARRAY(SELECT jsonb_array_elements_text(v_initial -> 'keys')), v_initial ->> 'default')]);
  END IF;

  -- The default partition, gone from the config.
  IF NOT (v_initial ->> 'default')::boolean THEN
    v_defaults := ARRAY(SELECT m.deflt FROM parting._members(p_cfg, 'default') m WHERE m.deflt IS NOT NULL
                         ORDER BY (m.cfg).family_order, (m.cfg).model);
    IF cardinality(v_defaults) > 0 AND parting._has_rows(v_defaults) THEN
      RETURN NEXT parting._refusal(p_cfg.model, 'drop default partition', array_to_string(v_defaults::text[], ', '),
        format('models.%s.partition.default is false, but %s hold(s) rows, which would have nowhere to go: create their partitions '
               '(CALL parting.run_maintenance(), or ensure_partition with their keys) until it is empty, or keep default: true',
               p_cfg.model, (SELECT string_agg(d::text, ', ') FROM unnest(v_defaults) d WHERE parting._has_rows(ARRAY[d]))));
    ELSIF cardinality(v_defaults) > 0 THEN
      RETURN NEXT parting._change(p_cfg.model, 'drop default partition', array_to_string(v_defaults::text[], ', '),
        format('the empty default partition(s) %s, dependents first', array_to_string(v_defaults::text[], ', ')),
        parting._locks(ARRAY(SELECT m.parent FROM parting._members(p_cfg, 'default') m WHERE m.deflt IS NOT NULL
                              ORDER BY (m.cfg).family_order, (m.cfg).model) || v_defaults, 'ACCESS EXCLUSIVE'),
        'ACCESS EXCLUSIVE on the parents and the default partitions (catalog only)',
        ARRAY(SELECT format('ALTER TABLE %s DETACH PARTITION %s', m.parent, m.deflt) FROM parting._members(p_cfg, 'default') m
               WHERE m.deflt IS NOT NULL ORDER BY (m.cfg).family_order DESC, (m.cfg).model DESC)
          || ARRAY(SELECT format('DROP TABLE %s', d) FROM unnest(v_defaults) WITH ORDINALITY AS u(d, n) ORDER BY n DESC));
    END IF;
  END IF;
END;
$$;
