-- What install.sql asks for a root model: its default partition, the current partition
-- and premake ahead, and listed keys. A procedure, so a psql run prints no result rows.
CREATE OR REPLACE PROCEDURE parting._install_partitions(p_model text, p_current boolean, p_keys text[], p_default boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_key text;
BEGIN
  -- A partition whose name another role took (SQLSTATE PGP02) is skipped, logged and said,
  -- and the install goes on: the rest of the config does not wait on that role.
  IF p_default THEN
    BEGIN
      PERFORM parting._create_family(v_cfg, NULL, true);
    EXCEPTION WHEN SQLSTATE 'PGP02' THEN
      PERFORM parting._skip_taken(v_cfg, NULL, true);
    END;
  END IF;
  IF p_current THEN
    PERFORM parting._ensure_families(v_cfg, NULL);
  END IF;
  FOREACH v_key IN ARRAY coalesce(p_keys, '{}') LOOP
    BEGIN
      PERFORM parting._ensure_families(v_cfg, v_key);
    EXCEPTION WHEN SQLSTATE 'PGP02' THEN
      PERFORM parting._skip_taken(v_cfg, parting._canonical(v_cfg, v_key));
    END;
  END LOOP;
END;
$$;
