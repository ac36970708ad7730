-- What happens to a family's partitions once they are detached:
--   'detach'   nothing more: the tables stay where they were, recorded in parting.offline;
--   'archive'  each table moves to the archive schema and is attached to the archive table
--              of its model (archive.tweet, partitioned the same way), so old rows stay
--              queryable as one table; a move to archiveTablespace is left to
--              run_maintenance, one transaction per family and key, since it rewrites
--              the tables;
--   'drop'     the tables are dropped, dependents before parents (their foreign keys point
--              at the parents' partitions).
-- Partitions are always detached first (parting._detach_family), never dropped attached.
CREATE OR REPLACE FUNCTION parting._offline_action(p_root parting.config, p_suffix text, p_action text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_o record;
  v_archive regclass;
  v_misfit text;
  v_archive_schema text := (parting._settings()).archive_schema;
BEGIN
  IF p_action NOT IN ('detach', 'archive', 'drop') THEN
    RAISE EXCEPTION 'unknown action "%"', p_action
      USING ERRCODE = 'invalid_parameter_value', HINT = 'action is ''detach'', ''archive'' or ''drop''';
  END IF;
  IF p_action = 'archive' THEN
    -- A member whose columns the archive table cannot take (a type changed by hand on the
    -- live table): the family stays detached, whole, and the reason is logged; archiving it
    -- is left to whoever changed the type.
    SELECT string_agg(format('%s: %s', o.model, parting._archive_misfit(a.archive, a.rel)), '; ') INTO v_misfit
      FROM parting.offline o JOIN parting.config c ON c.model = o.model
     CROSS JOIN LATERAL (SELECT parting._archive_parent(c) AS archive,
                                to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel) a
     WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix AND o.state = 'detached' AND a.rel IS NOT NULL
       AND parting._archive_misfit(a.archive, a.rel) IS NOT NULL;
    IF v_misfit IS NOT NULL THEN
      PERFORM parting._log(p_root.model, parting._name(p_root.table_name, p_suffix), 'failed',
                           jsonb_build_object('step', 'archive', 'error', 'kept detached: the archive table cannot take it: ' || v_misfit,
                             'hint', 'change the archive table''s column to match (ALTER TABLE … ALTER COLUMN … TYPE), then parting.detach_partition(…, ''archive'')'),
                           clock_timestamp() - v_started);
      RETURN;
    END IF;
    FOR v_o IN
      SELECT o.*, c AS cfg, to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel
        FROM parting.offline o JOIN parting.config c ON c.model = o.model
       WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix AND o.state = 'detached'
         AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NOT NULL
       ORDER BY c.family_order, c.model
    LOOP
      v_archive := parting._archive_parent(v_o.cfg);
      -- Held already when called from parting._detach_family.
      PERFORM parting._lock(v_o.cfg, p_share_update => ARRAY[v_archive], p_access_exclusive => ARRAY[v_o.rel]);
      PERFORM parting._archive_fit(v_archive, v_o.rel);
      EXECUTE format('ALTER TABLE %s SET SCHEMA %I', v_o.rel, v_archive_schema);
      EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I %s', v_archive, v_archive_schema, v_o.table_name,
                     parting._clause(v_o.cfg, v_o.lower, v_o.upper, false));
      UPDATE parting.offline SET state = 'archived', schema_name = v_archive_schema, since = now()
       WHERE model = v_o.model AND suffix = p_suffix;
      PERFORM parting._log(v_o.model, v_o.table_name, 'archived',
                           jsonb_build_object('into', v_archive::text),
                           clock_timestamp() - v_started);
    END LOOP;
  ELSIF p_action = 'drop' THEN
    FOR v_o IN
      SELECT o.*, c AS cfg, to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel,
             (SELECT i.inhparent::regclass FROM pg_inherits i
               WHERE i.inhrelid = to_regclass(format('%I.%I', o.schema_name, o.table_name))) AS archive
        FROM parting.offline o JOIN parting.config c ON c.model = o.model
       WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix AND o.state IN ('detached', 'archived')
       ORDER BY c.family_order DESC, c.model DESC
    LOOP
      -- Dropping a partition of the archive table locks that table too.
      PERFORM parting._lock(v_o.cfg, p_access_exclusive => array_remove(ARRAY[v_o.archive, v_o.rel], NULL));
      IF v_o.rel IS NOT NULL THEN
        EXECUTE format('DROP TABLE %s', v_o.rel);
      END IF;
      DELETE FROM parting.offline WHERE model = v_o.model AND suffix = p_suffix;
      PERFORM parting._log(v_o.model, v_o.table_name, 'dropped',
                           jsonb_build_object('was', v_o.state),
                           clock_timestamp() - v_started);
    END LOOP;
  END IF;
END;
$$;
