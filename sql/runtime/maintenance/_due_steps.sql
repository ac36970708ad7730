-- parting._due for run_maintenance, with a failure (a broken model, a table gone) logged
-- and turned into no steps, so the other models still run; a cancel (or statement_timeout)
-- while planning is logged too and turned into one step, ('cancelled', 'plan'), which stops
-- the run.
CREATE OR REPLACE FUNCTION parting._due_steps(p_root text)
RETURNS TABLE (step text, arg text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_steps text[][];
  v_message text;
BEGIN
  BEGIN
    SELECT coalesce(array_agg(ARRAY[p.step, p.arg] ORDER BY p.n), '{}') INTO v_steps
      FROM parting._due(parting._model(p_root)) WITH ORDINALITY AS p(step, arg, n);
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT;
    PERFORM parting._log(p_root, NULL, 'failed',
                         jsonb_strip_nulls(jsonb_build_object('step', 'plan', 'sqlstate', SQLSTATE, 'error', v_message,
                           'cancelled', CASE WHEN SQLSTATE = '57014' THEN true END)));
    IF SQLSTATE = '57014' THEN
      RETURN QUERY SELECT 'cancelled'::text, format('planning %s', p_root);
    END IF;
    RETURN;
  END;
  RETURN QUERY SELECT v_steps[i][1], v_steps[i][2] FROM generate_subscripts(v_steps, 1) AS i ORDER BY i;
END;
$$;
