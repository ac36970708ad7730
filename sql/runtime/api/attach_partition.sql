-- Re-attaches a detached or archived partition of a model's whole family by hand.
CREATE OR REPLACE FUNCTION parting.attach_partition(p_model text, p_key text)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'attach_partition');
  v_suffix text := parting._suffix(v_cfg, p_key);
BEGIN
  IF NOT EXISTS (SELECT FROM parting.offline o WHERE o.model = v_cfg.model AND o.suffix = v_suffix AND o.state <> 'filling') THEN
    IF (SELECT m.attached FROM parting._members(v_cfg, v_suffix) m LIMIT 1) THEN
      RETURN; -- attached already
    END IF;
    RAISE EXCEPTION 'model "%" has no detached or archived partition for key "%"', p_model, p_key
      USING ERRCODE = 'undefined_table',
            HINT = format('to create it: SELECT parting.ensure_partition(%L, %L)', p_model, p_key);
  END IF;
  RETURN QUERY SELECT * FROM parting._attach_family(v_cfg, v_suffix);
END;
$$;

COMMENT ON FUNCTION parting.attach_partition(text, text) IS
$c$Attaches a detached or archived partition back to every model of its family (parents first), moving in rows of its key that reached the default partition meanwhile. Returns the partitions attached.$c$;
