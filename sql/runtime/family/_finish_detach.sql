-- After `pgpart maintain` ran the statements of parting._detach_concurrently: the family's
-- 'detaching' tables that are no longer attached become 'detached' (the id default drawn
-- from the parent's sequence dropped, as parting._detach_family does), then the action
-- applies (unless p_action is NULL: parting._detach_family, which also finishes what a
-- `pgpart maintain` left half done, applies it itself). Returns the tables it recorded.
CREATE OR REPLACE FUNCTION parting._finish_detach(p_model text, p_suffix text, p_action text)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'detach_partition');
  v_o record;
BEGIN
  PERFORM parting._family_lock(v_cfg);
  FOR v_o IN
    SELECT o.model, m.parent, m.rel, o.table_name, o.lower, o.upper, o.since
      FROM parting.offline o
      JOIN parting._members(v_cfg, p_suffix) m ON (m.cfg).model = o.model
     WHERE o.suffix = p_suffix AND o.state = 'detaching' AND m.rel IS NOT NULL AND NOT m.attached
     ORDER BY (m.cfg).family_order DESC, (m.cfg).model DESC
  LOOP
    PERFORM parting._identity_default(v_o.rel::text, v_o.parent, false);
    UPDATE parting.offline SET state = 'detached', since = now() WHERE model = v_o.model AND suffix = p_suffix;
    -- Timed from when parting._detach_concurrently recorded the family as detaching.
    PERFORM parting._log(v_o.model, v_o.table_name, 'detached',
                         jsonb_build_object('lower', v_o.lower, 'upper', v_o.upper, 'concurrently', true, 'then', p_action),
                         clock_timestamp() - v_o.since);
    RETURN NEXT v_o.rel::text;
  END LOOP;
  IF p_action IS NOT NULL
     AND NOT EXISTS (SELECT FROM parting.offline o JOIN parting.config c ON c.model = o.model
                      WHERE c.root_model = v_cfg.root_model AND o.suffix = p_suffix AND o.state = 'detaching') THEN
    PERFORM parting._offline_action(v_cfg, p_suffix, p_action);
  END IF;
END;
$$;
