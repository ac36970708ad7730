-- Models in the database that the config no longer has. pgpart drops nothing it was not
-- told to: one the config names in drop.models loses its tables, dependents before the
-- models they reference ('drop model': the parent table with its partitions, its detached
-- and filling tables, its archive table with the archived partitions, its pgpart records;
-- ACCESS EXCLUSIVE on all of them); any other is refused, saying how to keep or drop it.
CREATE OR REPLACE FUNCTION parting._change_dropped(p_desired jsonb)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config;
  v_parent regclass;
  v_tables regclass[];
  v_offline regclass[];
  v_archive regclass;
BEGIN
  FOR v_cfg IN
    SELECT c.* FROM parting.config c
     WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(p_desired -> 'models') m WHERE m #>> '{config,model}' = c.model)
     ORDER BY c.family_order DESC, c.model DESC
  LOOP
    v_parent := to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name));
    v_tables := ARRAY(SELECT t.rel FROM parting._model_tables(v_cfg) t);
    IF NOT (p_desired -> 'drop' -> 'models') ? v_cfg.model THEN
      RETURN NEXT parting._refusal(v_cfg.model, 'drop model', v_cfg.table_name,
        format('model "%s" (table %s, %s partition(s), detached and archived ones included) is in the database but not in models: '
               'to keep it, put it back in the config; to drop its tables with all their rows, list it in drop.models',
               v_cfg.model, coalesce(v_parent::text, format('%I.%I, gone', v_cfg.schema_name, v_cfg.table_name)),
               (SELECT count(*) FROM parting._model_tables(v_cfg) t WHERE t.kind <> 'archive')));
      CONTINUE;
    END IF;
    v_offline := ARRAY(SELECT t.rel FROM parting._model_tables(v_cfg) t WHERE t.kind = 'offline');
    v_archive := (SELECT t.rel FROM parting._model_tables(v_cfg) t WHERE t.kind = 'archive');
    RETURN NEXT parting._change(v_cfg.model, 'drop model', v_cfg.table_name,
      format('%s with its %s partition(s), detached and archived ones included, and all their rows (drop.models names it)',
             coalesce(v_parent::text, v_cfg.table_name), cardinality(v_tables)),
      parting._locks(array_remove(ARRAY[v_parent], NULL) || v_tables, 'ACCESS EXCLUSIVE'),
      'ACCESS EXCLUSIVE on the table and all its partitions',
      ARRAY(SELECT format('DROP TABLE %s', r) FROM unnest(array_remove(ARRAY[v_archive], NULL) || v_offline || array_remove(ARRAY[v_parent], NULL)) AS r)
        || ARRAY[format('DELETE FROM parting.offline WHERE model = %L', v_cfg.model),
                 format('DELETE FROM parting.catch_up WHERE model = %L', v_cfg.model),
                 format('DELETE FROM parting.config WHERE model = %L', v_cfg.model)]);
  END LOOP;
END;
$$;
