-- Moves one of pgpart's tables and its indexes to a tablespace, logged as 'moved' with the
-- bytes moved. ALTER TABLE … SET TABLESPACE rewrites the table (and each ALTER INDEX the
-- index) under ACCESS EXCLUSIVE on it, taken first under lock_timeout (parting._lock):
-- readers and writers of that table wait for the copy, others do not. The caller's
-- transaction holds the lock until it ends: keep it to the move.
CREATE OR REPLACE FUNCTION parting._move_table(p_cfg parting.config, p_rel regclass, p_tablespace text, p_why text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_from name;
  v_bytes bigint;
  v_ix regclass;
BEGIN
  PERFORM parting._tablespace_usable(p_cfg, p_tablespace);
  PERFORM parting._lock(p_cfg, p_access_exclusive => ARRAY[p_rel]);
  v_bytes := pg_total_relation_size(p_rel);
  v_from := parting._tablespace_of(p_rel);
  EXECUTE format('ALTER TABLE %s SET TABLESPACE %I', p_rel, p_tablespace);
  FOR v_ix IN SELECT i.indexrelid::regclass FROM pg_index i WHERE i.indrelid = p_rel ORDER BY i.indexrelid LOOP
    EXECUTE format('ALTER INDEX %s SET TABLESPACE %I', v_ix, p_tablespace);
  END LOOP;
  PERFORM parting._log(p_cfg.model, (SELECT r.relname FROM pg_class r WHERE r.oid = p_rel), 'moved',
                       jsonb_build_object('tablespace', p_tablespace, 'from', v_from, 'bytes', v_bytes, 'why', p_why),
                       clock_timestamp() - v_started);
  RETURN v_bytes;
END;
$$;
