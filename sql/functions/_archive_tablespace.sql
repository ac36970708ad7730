-- Moves a family's archived partition (tables and indexes) to archiveTablespace. A rewrite
-- under ACCESS EXCLUSIVE on the archived tables only: no writer uses them; readers of the
-- archive table wait for it.
CREATE OR REPLACE FUNCTION parting._archive_tablespace(p_root parting.config, p_suffix text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz;
  v_o record;
  v_ix regclass;
BEGIN
  FOR v_o IN
    SELECT o.*, c AS cfg, to_regclass(format('%I.%I', o.schema_name, o.table_name)) AS rel
      FROM parting.offline o JOIN parting.config c ON c.model = o.model
     WHERE c.root_model = p_root.root_model AND o.suffix = p_suffix AND o.state = 'archived'
       AND c.archive_tablespace IS NOT NULL
       AND EXISTS (SELECT FROM pg_class r
                    WHERE r.oid = to_regclass(format('%I.%I', o.schema_name, o.table_name))
                      AND r.reltablespace IS DISTINCT FROM (SELECT t.oid FROM pg_tablespace t WHERE t.spcname = c.archive_tablespace))
     ORDER BY c.family_order, c.model
  LOOP
    v_started := clock_timestamp();
    PERFORM parting._lock(v_o.cfg, p_access_exclusive => ARRAY[v_o.rel]);
    EXECUTE format('ALTER TABLE %s SET TABLESPACE %I', v_o.rel, (v_o.cfg).archive_tablespace);
    FOR v_ix IN SELECT indexrelid::regclass FROM pg_index WHERE indrelid = v_o.rel LOOP
      EXECUTE format('ALTER INDEX %s SET TABLESPACE %I', v_ix, (v_o.cfg).archive_tablespace);
    END LOOP;
    INSERT INTO parting.history (model, partition, action, detail, duration)
    VALUES (v_o.model, v_o.table_name, 'moved', jsonb_build_object('tablespace', (v_o.cfg).archive_tablespace),
            clock_timestamp() - v_started);
  END LOOP;
END;
$$;
