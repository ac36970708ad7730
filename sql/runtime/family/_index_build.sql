-- The statements that give one table of a family its copy of a model index, named by
-- pgpart's rule (parting._name(<table>, <tag>)), and, for an attached partition, attach it
-- to the parent's index: nothing when it is there, valid and attached; a plain or
-- CONCURRENTLY build otherwise (a copy that is invalid, the leftover of an interrupted
-- concurrent build, or of another definition is dropped first). The index goes in the table's own tablespace. p_parent_index
-- (qualified and quoted) need not exist yet: the same install may make it first; NULL for
-- a table no parent holds. Each statement comes with what it does (parting.statement), for
-- `pgpart apply`'s progress and lock_timeout.
CREATE OR REPLACE FUNCTION parting._index_build(p_parent_index text, p_rel regclass, p_tag text, p_columns text[],
                                                p_method text, p_concurrently boolean)
RETURNS parting.statement[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_rel record;
  v_name text;
  v_ix regclass;
  v_valid boolean;
  v_attached boolean;
  v_out parting.statement[] := '{}';
  v_conc text := CASE WHEN p_concurrently THEN ' CONCURRENTLY' ELSE '' END;
BEGIN
  SELECT r.relname, n.nspname, t.spcname INTO v_rel
    FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace LEFT JOIN pg_tablespace t ON t.oid = r.reltablespace
   WHERE r.oid = p_rel;
  v_name := parting._name(v_rel.relname, p_tag);
  SELECT x.indexrelid::regclass, x.indisvalid,
         EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid AND i.inhparent = to_regclass(p_parent_index))
    INTO v_ix, v_valid, v_attached
    FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
   WHERE x.indrelid = p_rel AND c.relname = v_name;
  IF v_ix IS NOT NULL AND (NOT v_valid OR NOT parting._index_matches(v_ix, p_columns, p_method)) THEN
    -- IF EXISTS: dropping the parent's old index may have dropped this copy already.
    v_out := v_out || ROW('drop invalid', v_ix::text, format('DROP INDEX%s IF EXISTS %s', v_conc, v_ix), p_concurrently)::parting.statement;
    v_ix := NULL;
  END IF;
  IF v_ix IS NULL THEN
    v_out := v_out || ROW('build', v_name,
                          format('CREATE INDEX%s %I ON %s USING %I (%s)%s', v_conc, v_name, p_rel, p_method,
                                 (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_columns) AS c),
                                 CASE WHEN v_rel.spcname IS NULL THEN '' ELSE format(' TABLESPACE %I', v_rel.spcname) END),
                          p_concurrently)::parting.statement;
    v_attached := false;
  END IF;
  IF p_parent_index IS NOT NULL AND NOT v_attached THEN
    -- ACCESS EXCLUSIVE on the copy for a moment: under lockTimeout, never waiting long.
    v_out := v_out || ROW('attach', format('%I.%I', v_rel.nspname, v_name),
                          format('ALTER INDEX %s ATTACH PARTITION %I.%I', p_parent_index, v_rel.nspname, v_name), false)::parting.statement;
  END IF;
  RETURN v_out;
END;
$$;
