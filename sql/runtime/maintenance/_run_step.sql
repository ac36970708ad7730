-- Runs one maintenance step for a family and returns 'done', 'more' (a default-partition
-- drain moved a batch, or a tablespace move one table of several, and the step needs
-- another transaction), 'skipped' (its locks could not be had
-- in lock_tries tries), 'taken' (a name the partition needs is another role's object:
-- logged as skipped, with why; later partitions are still made), 'failed', or 'cancelled' (a cancel or statement_timeout, which
-- WHEN OTHERS does not catch, arrived: logged as 'failed', and run_maintenance stops). A
-- failure never escapes: it is logged in parting.history and rolled back to nothing, so the
-- other steps and models still run.
CREATE OR REPLACE FUNCTION parting._run_step(p_root text, p_step text, p_arg text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_started timestamptz := clock_timestamp();
  v_cfg parting.config;
  v_settings parting.settings := parting._settings();
  v_suffix text;
  v_status text;
  v_message text;
  v_detail text;
BEGIN
  v_cfg := parting._model(p_root);
  -- 'create', 'drain' and 'tablespace' name a value in the partition, 'retire' and 'expire'
  -- its suffix, 'analyze' nothing.
  v_suffix := CASE WHEN p_step IN ('create', 'drain', 'tablespace') THEN (parting._bound(v_cfg, p_arg)).suffix
                   WHEN p_step = 'analyze' THEN NULL ELSE p_arg END;
  -- Bounds every lock wait of the step, not only those parting._lock asks for (dropping a
  -- table also locks the one its foreign key references). The run commits right after.
  PERFORM set_config('lock_timeout', v_settings.lock_timeout, true);
  CASE p_step
    WHEN 'create', 'drain' THEN
      PERFORM parting._create_family(v_cfg, p_arg, false, v_settings.drain_batch);
      IF NOT (SELECT m.attached FROM parting._members(v_cfg, v_suffix) m LIMIT 1) THEN
        RETURN 'more';
      END IF;
    WHEN 'retire' THEN
      PERFORM parting._detach_family(v_cfg, p_arg, coalesce(v_cfg.retention_action, 'detach'));
    WHEN 'tablespace' THEN
      IF parting._move_family(v_cfg, p_arg) THEN
        RETURN 'more';
      END IF;
    WHEN 'expire' THEN
      PERFORM parting._family_lock(v_cfg);
      PERFORM parting._offline_action(v_cfg, p_arg, 'drop');
    WHEN 'analyze' THEN
      PERFORM parting._analyze_family(v_cfg);
  END CASE;
  RETURN 'done';
EXCEPTION WHEN OTHERS OR query_canceled THEN
  GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
  v_status := CASE SQLSTATE WHEN '55P03' THEN 'skipped' WHEN '57014' THEN 'cancelled' WHEN 'PGP02' THEN 'taken' ELSE 'failed' END;
  PERFORM parting._log(p_root, CASE WHEN v_suffix IS NULL THEN p_arg ELSE parting._name(v_cfg.table_name, v_suffix) END,
                       CASE WHEN v_status = 'cancelled' THEN 'failed' WHEN v_status = 'taken' THEN 'skipped' ELSE v_status END,
                       jsonb_strip_nulls(jsonb_build_object('step', p_step, 'arg', p_arg, 'sqlstate', SQLSTATE, 'error', v_message,
                         'why', CASE WHEN v_status = 'taken' THEN substring(v_message FROM 'name taken by .*$') END,
                         'detail', nullif(v_detail, ''),
                         'cancelled', CASE WHEN v_status = 'cancelled' THEN true END)),
                       clock_timestamp() - v_started);
  RETURN v_status;
END;
$$;
