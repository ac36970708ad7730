-- Citus: a distributed model's tables as Citus should hold them. Its parent table (made by
-- this install, or there before distribution was declared) and its archive table are
-- distributed by the model's distribution column, colocated with the root's (Citus
-- distributes their partitions with them, and copies their rows to the shards), after the
-- config rows, before new partitions. Refused, with the fix: a distributed model where the
-- citus extension is missing, an install on a Citus worker, and a table Citus distributes
-- by another column or in another colocation group (pgpart does not redistribute data).
-- A model without distribution is left as it is, distributed by hand or not.
CREATE OR REPLACE FUNCTION parting._change_distribution(p_cfg parting.config, p_parent regclass)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_coordinator boolean;
  v_archive regclass := to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name));
  v_want text := p_cfg.distribution ->> 'column';
  v_rel regclass;
  v_have text;
  v_todo regclass[] := '{}';
BEGIN
  IF p_cfg.distribution IS NULL THEN
    RETURN;
  END IF;
  IF NOT parting._citus() THEN
    RETURN NEXT parting._refusal(p_cfg.model, 'distribute', p_cfg.table_name,
      format('models.%s.distribution: the model is distributed, but the citus extension is not installed in this database. '
             'Install Citus (CREATE EXTENSION citus on the coordinator and on each worker, then citus_add_node for each worker) '
             'and run install.sql on the coordinator, or remove distribution from the config', p_cfg.model));
    RETURN;
  END IF;
  EXECUTE format('SELECT %s()', parting._citus_name('citus_is_coordinator')) INTO v_coordinator;
  IF NOT v_coordinator THEN
    RETURN NEXT parting._refusal(p_cfg.model, 'distribute', p_cfg.table_name,
      format('models.%s.distribution: this database is a Citus worker; run install.sql on the coordinator, which makes the tables on the workers',
             p_cfg.model));
    RETURN;
  END IF;
  FOREACH v_rel IN ARRAY array_remove(ARRAY[p_parent, v_archive], NULL) LOOP
    v_have := (SELECT d.column_name FROM parting._distribution(v_rel) d);
    IF v_have IS NULL AND EXISTS (SELECT FROM parting._distribution(v_rel)) THEN
      RETURN NEXT parting._refusal(p_cfg.model, 'distribute', v_rel::text,
        format('models.%s.distribution: %s is a Citus reference table; pgpart distributes it by %I. '
               'Undistribute it first (SELECT undistribute_table(%L)), then install again', p_cfg.model, v_rel, v_want, v_rel::text));
    ELSIF v_have IS NOT NULL AND v_have <> v_want THEN
      RETURN NEXT parting._refusal(p_cfg.model, 'distribute', v_rel::text,
        format('models.%s.distribution: Citus distributes %s by %I, the config by %I; pgpart does not redistribute data. '
               'Change it with SELECT alter_distributed_table(%L, distribution_column := %L), or keep the column as it is',
               p_cfg.model, v_rel, v_have, v_want, v_rel::text, v_want));
    ELSIF v_have IS NULL THEN
      v_todo := v_todo || v_rel;
    END IF;
  END LOOP;
  IF p_parent IS NULL OR cardinality(v_todo) > 0 THEN
    RETURN NEXT parting._change(p_cfg.model, 'distribute', p_cfg.table_name,
      format('%s distributed by %I, colocated with %s (Citus distributes the partitions with it)',
             concat_ws(' and ', CASE WHEN p_parent IS NULL OR p_parent = ANY (v_todo) THEN format('%I.%I', p_cfg.schema_name, p_cfg.table_name) END,
                       CASE WHEN v_archive = ANY (v_todo) THEN v_archive::text END),
             v_want, p_cfg.distribution ->> 'colocate_with'),
      parting._locks(v_todo, 'ACCESS EXCLUSIVE'),
      CASE WHEN cardinality(v_todo) > 0 THEN 'ACCESS EXCLUSIVE on the tables while Citus copies their rows to the shards' ELSE 'none (a new table)' END,
      ARRAY(SELECT format('SELECT parting._distribute(parting._model(%L), %L::regclass)', p_cfg.model, t)
              FROM unnest(CASE WHEN p_parent IS NULL THEN ARRAY[format('%I.%I', p_cfg.schema_name, p_cfg.table_name)] ELSE '{}'::text[] END
                          || v_todo::text[]) AS t));
  END IF;
END;
$$;
