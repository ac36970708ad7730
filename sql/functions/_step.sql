-- Runs one maintenance step for a family and returns 'done', 'more' (a default-partition
-- drain moved a batch and needs another transaction) or 'failed'. A failure never escapes:
-- it is logged in parting.history ('skipped' when the locks could not be had in
-- lock_tries tries, 'failed' otherwise) and rolled back to nothing, so the other steps and
-- models still run.
CREATE OR REPLACE FUNCTION parting._step(p_root text, p_step text, p_arg text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_cfg parting.config;
  v_message text;
  v_detail text;
BEGIN
  v_cfg := parting._model(p_root);
  CASE p_step
    WHEN 'create' THEN
      PERFORM parting._create_family(v_cfg, p_arg, false, v_cfg.drain_batch);
      IF NOT (SELECT m.attached FROM parting._members(v_cfg, (parting._bound(v_cfg, p_arg)).suffix) m LIMIT 1) THEN
        RETURN 'more';
      END IF;
    WHEN 'retire' THEN
      PERFORM parting._detach_family(v_cfg, p_arg, v_cfg.retention_action);
    WHEN 'tablespace' THEN
      PERFORM parting._archive_tablespace(v_cfg, p_arg);
  END CASE;
  RETURN 'done';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
  INSERT INTO parting.history (model, partition, action, detail, duration)
  VALUES (p_root, p_arg, CASE WHEN SQLSTATE = '55P03' THEN 'skipped' ELSE 'failed' END,
          jsonb_strip_nulls(jsonb_build_object('step', p_step, 'sqlstate', SQLSTATE, 'error', v_message,
                                               'detail', nullif(v_detail, ''))),
          clock_timestamp() - v_started);
  RETURN 'failed';
END;
$$;
