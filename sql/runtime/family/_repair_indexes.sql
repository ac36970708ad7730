-- Builds the model's indexes a table lacks (plain and per-partition unique ones), named by
-- pgpart, in its tablespace, dropping an invalid copy first; a partition's plain index copy
-- is attached to the parent's index. The caller holds the table's lock (SHARE: its writers
-- wait while an index builds). A copy whose name another object holds is left alone.
CREATE OR REPLACE FUNCTION parting._repair_indexes(p_cfg parting.config, p_rel regclass, p_relname text, p_attached boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ix record;
  v_statement parting.statement;
BEGIN
  FOR v_ix IN SELECT * FROM jsonb_to_recordset(p_cfg.indexes) AS x(kind text, columns text[], method text, tag text)
               WHERE x.kind IN ('index', 'local_unique') LOOP
    -- A name another object holds is not pgpart's to take (check() reports it as taken).
    CONTINUE WHEN parting._index_taken(p_rel, v_ix.tag) IS NOT NULL;
    IF v_ix.kind = 'index' THEN
      FOREACH v_statement IN ARRAY parting._index_build(
          CASE WHEN p_attached THEN format('%I.%I', p_cfg.schema_name, parting._name(p_cfg.table_name, v_ix.tag)) END,
          p_rel, v_ix.tag, v_ix.columns, v_ix.method, false) LOOP
        EXECUTE v_statement.sql;
      END LOOP;
    ELSIF NOT EXISTS (SELECT FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                       WHERE x.indrelid = p_rel AND c.relname = parting._name(p_relname, v_ix.tag) AND x.indisvalid) THEN
      IF to_regclass(format('%I.%I', (SELECT n.nspname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = p_rel),
                            parting._name(p_relname, v_ix.tag))) IS NOT NULL THEN
        EXECUTE format('DROP INDEX %I.%I', (SELECT n.nspname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = p_rel),
                       parting._name(p_relname, v_ix.tag));
      END IF;
      EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s)', parting._name(p_relname, v_ix.tag), p_rel,
                     (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_ix.columns) AS c));
    END IF;
  END LOOP;
END;
$$;
