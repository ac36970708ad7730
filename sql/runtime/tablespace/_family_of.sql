-- The tables of one family's partition holding a key, parents first: every model's table of
-- that key, whether attached, detached, archived (or filling, detaching), with its state and
-- tablespace; key 'default' gives the family's default partitions. For a caller that moves
-- the tables one at a time in sessions of its own, outside any transaction of pgpart's
-- (`pgpart move --online` runs pg_repack on each, which parting.set_tablespace cannot), so
-- it validates the model (a root: families move together) and the key as set_tablespace
-- does, and raises what set_tablespace raises for a key without a partition. Takes no lock:
-- the caller asks again before each table, by oid, since a detach or an archive may have
-- renamed or moved it meanwhile.
CREATE OR REPLACE FUNCTION parting._family_of(p_model text, p_key text)
RETURNS TABLE (model text, rel regclass, state text, tablespace name)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_value text;
BEGIN
  IF v_cfg.parent_model IS NOT NULL THEN
    -- parting._root's error, with the command to run instead.
    RAISE EXCEPTION 'model "%" is partitioned in lockstep with "%"', p_model, v_cfg.root_model
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('move the whole family: pgpart move %s <key> <tablespace>', v_cfg.root_model);
  END IF;
  IF p_key = 'default' THEN
    RETURN QUERY
    SELECT (m.cfg).model, m.deflt, 'attached'::text, parting._tablespace_of(m.deflt)
      FROM parting._members(v_cfg, 'default') WITH ORDINALITY AS m(cfg, parent, part, rel, attached, deflt, n)
     WHERE m.deflt IS NOT NULL
     ORDER BY m.n;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'model "%" has no default partition', p_model USING ERRCODE = 'undefined_table';
    END IF;
    RETURN;
  END IF;
  v_value := parting._canonical(v_cfg, p_key);
  RETURN QUERY
  SELECT (p.cfg).model, p.rel, p.state, p.tablespace
    FROM parting._placement(v_cfg, v_value, NULL) p
   WHERE p.rel IS NOT NULL
   ORDER BY p.n;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'model "%" has no partition for key "%"', p_model, p_key
      USING ERRCODE = 'undefined_table',
            HINT = format('list them: SELECT * FROM parting.partitions(%L)', p_model);
  END IF;
END;
$$;
