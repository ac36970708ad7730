CREATE OR REPLACE FUNCTION parting.ensure_partition(p_model text, p_key text DEFAULT NULL)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._root(p_model, 'ensure_partition');
  v_value text;
BEGIN
  IF p_key IS NOT NULL THEN
    RETURN QUERY SELECT * FROM parting._create_family(v_cfg, parting._canonical(v_cfg, p_key));
    RETURN;
  END IF;
  IF v_cfg.strategy = 'list' THEN
    RAISE EXCEPTION 'model "%" is list-partitioned: name the key', p_model
      USING ERRCODE = 'invalid_parameter_value', HINT = format('parting.ensure_partition(%L, ''baz'')', p_model);
  END IF;

  v_value := parting._current(v_cfg);
  FOR i IN 0 .. v_cfg.premake LOOP
    -- A month detached or archived by hand stays so (parting.attach_partition brings it back).
    IF parting._offline_state(v_cfg, (parting._bound(v_cfg, v_value)).suffix) IS DISTINCT FROM 'offline' THEN
      RETURN QUERY SELECT * FROM parting._create_family(v_cfg, v_value);
    END IF;
    v_value := (parting._bound(v_cfg, v_value)).upper;
  END LOOP;
END;
$$;

COMMENT ON FUNCTION parting.ensure_partition(text, text) IS
$c$Creates missing partitions of a model's whole family (parents before dependents, each dependent with its partition foreign key) and returns those it created. With no key: the current partition and premake ahead (range models). With a key ('2013-03', '2013-03-15 10:00', 'baz', 42): the partition holding it. Idempotent.$c$;
