-- Records in parting.history a table of a model that was moved to a tablespace outside
-- pgpart's own transactions (`pgpart move --online`: pg_repack rewrites it in sessions of its
-- own), the way parting._move_table records its moves, so parting.history and `pgpart status`
-- show it like every other move: action 'moved', detail {tablespace, from, bytes, why}, the
-- bytes being the table's and its indexes' size where it is now. Records nothing, and says
-- so, unless the table is one of the model's and it and each of its indexes are in the
-- tablespace: pg_repack may give up on a table (a lock it could not have) and still exit 0.
CREATE OR REPLACE FUNCTION parting._record_move(p_model text, p_rel regclass, p_tablespace text, p_from text,
                                               p_why text, p_duration interval)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_bytes bigint;
  v_elsewhere text;
BEGIN
  IF NOT EXISTS (SELECT FROM parting._model_tables(v_cfg) t WHERE t.rel = p_rel) THEN
    RAISE EXCEPTION '% is not a table of model "%"', p_rel, p_model USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(format('%s (in %s)', x.rel, x.space), ', ' ORDER BY x.ord, x.rel::text) INTO v_elsewhere
    FROM (SELECT p_rel::regclass AS rel, parting._tablespace_of(p_rel) AS space, 0 AS ord
          UNION ALL
          SELECT i.indexrelid::regclass, parting._tablespace_of(i.indexrelid), 1 FROM pg_index i WHERE i.indrelid = p_rel) x
   WHERE x.space IS DISTINCT FROM p_tablespace;
  IF v_elsewhere IS NOT NULL THEN
    RAISE EXCEPTION '% is not in tablespace "%" after the move: %', p_rel, p_tablespace, v_elsewhere
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'nothing was recorded in parting.history',
            HINT = format('see what %s printed', coalesce(p_why, 'the move'));
  END IF;
  v_bytes := pg_total_relation_size(p_rel);
  PERFORM parting._log(v_cfg.model, (SELECT r.relname FROM pg_class r WHERE r.oid = p_rel), 'moved',
                       jsonb_build_object('tablespace', p_tablespace, 'from', p_from, 'bytes', v_bytes, 'why', p_why),
                       p_duration);
  RETURN v_bytes;
END;
$$;
