-- 'distribution' (Citus): a table of a distributed model (its parent, its archive table, an
-- attached, detached or archived partition) that Citus does not distribute, distributes by
-- another column, or places in another colocation group than the root model's table: its
-- rows would not sit on the shard of the rows its foreign keys join. Repairable when
-- not distributed (parting._distribute) or not colocated (Citus's
-- update_distributed_table_colocation); another column is the user's to change.
CREATE OR REPLACE FUNCTION parting._check_distribution(p_cfg parting.config, p_tables jsonb, p_parent regclass)
RETURNS SETOF parting.problem
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_root regclass;
  v_group integer;
  v_t record;
  v_d record;
BEGIN
  IF p_cfg.distribution IS NULL THEN
    RETURN;
  END IF;
  IF NOT parting._citus() THEN
    RETURN NEXT (p_cfg.model, p_parent::text, NULL, 'distribution',
                 'the config distributes the model, but the citus extension is not installed in this database',
                 'install Citus (CREATE EXTENSION citus, citus_add_node) and run install.sql on the coordinator, or remove distribution from the config',
                 false)::parting.problem;
    RETURN;
  END IF;
  v_root := (SELECT to_regclass(format('%I.%I', c.schema_name, c.table_name)) FROM parting.config c
              WHERE c.model = p_cfg.distribution ->> 'colocate_with');
  v_group := (SELECT d.colocation FROM parting._distribution(v_root) d);
  FOR v_t IN
    SELECT p_parent AS rel, NULL::text AS suffix
    UNION ALL
    SELECT to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name)), NULL
    UNION ALL
    SELECT t.rel, t.suffix FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
     WHERE t.state IN ('attached', 'detached', 'archived')
  LOOP
    CONTINUE WHEN v_t.rel IS NULL;
    SELECT * INTO v_d FROM parting._distribution(v_t.rel);
    IF NOT FOUND THEN
      RETURN NEXT (p_cfg.model, v_t.rel::text, v_t.suffix, 'distribution',
                   format('not distributed: the config distributes model %s by %I', p_cfg.model, p_cfg.distribution ->> 'column'),
                   format('parting.repair distributes it by %I, colocated with %s', p_cfg.distribution ->> 'column', v_root),
                   true)::parting.problem;
    ELSIF v_d.column_name IS DISTINCT FROM p_cfg.distribution ->> 'column' THEN
      RETURN NEXT (p_cfg.model, v_t.rel::text, v_t.suffix, 'distribution',
                   format('distributed by %s, the config by %I', coalesce(quote_ident(v_d.column_name), 'nothing (a reference table)'),
                          p_cfg.distribution ->> 'column'),
                   format('SELECT alter_distributed_table(%L, distribution_column := %L, colocate_with := %L)',
                          v_t.rel::text, p_cfg.distribution ->> 'column', v_root::text),
                   false)::parting.problem;
    ELSIF v_group IS NOT NULL AND v_d.colocation <> v_group THEN
      RETURN NEXT (p_cfg.model, v_t.rel::text, v_t.suffix, 'distribution',
                   format('not colocated with %s (colocation group %s, %s''s is %s): its foreign keys cannot join on one shard',
                          v_root, v_d.colocation, v_root, v_group),
                   format('parting.repair colocates it with %s', v_root), true)::parting.problem;
    END IF;
  END LOOP;
END;
$$;
