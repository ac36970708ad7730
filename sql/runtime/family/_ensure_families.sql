-- What parting.ensure_partition does for a root model's config row: the family's partition
-- holding p_key (a key as the user writes it), or, with no key, the current partition and
-- premake ahead (skipping, with a NOTICE and a history row, one whose name another role
-- took: parting._name_taken); returns the tables it made.
CREATE OR REPLACE FUNCTION parting._ensure_families(p_cfg parting.config, p_key text)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := p_cfg;
  v_value text;
BEGIN
  IF p_key IS NOT NULL THEN
    RETURN QUERY SELECT * FROM parting._create_family(v_cfg, parting._canonical(v_cfg, p_key));
    RETURN;
  END IF;
  IF v_cfg.strategy = 'list' THEN
    RAISE EXCEPTION 'model "%" is list-partitioned: name the key', v_cfg.model
      USING ERRCODE = 'invalid_parameter_value', HINT = format('parting.ensure_partition(%L, ''baz'')', v_cfg.model);
  END IF;

  v_value := parting._current(v_cfg);
  FOR i IN 0 .. v_cfg.premake LOOP
    -- A month detached or archived by hand stays so (parting.attach_partition brings it back).
    IF parting._offline_state(v_cfg, (parting._bound(v_cfg, v_value)).suffix) IS DISTINCT FROM 'offline' THEN
      BEGIN
        RETURN QUERY SELECT * FROM parting._create_family(v_cfg, v_value);
      EXCEPTION WHEN SQLSTATE 'PGP02' THEN
        -- A name another role took: this one is skipped, logged, the later ones still made.
        PERFORM parting._skip_taken(v_cfg, v_value);
      END;
    END IF;
    v_value := (parting._bound(v_cfg, v_value)).upper;
  END LOOP;
END;
$$;

