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
  IF p_default THEN
    PERFORM parting._create_family(v_cfg, NULL, true);
  END IF;
  IF p_current THEN
    PERFORM parting._ensure_families(v_cfg, NULL);
  END IF;
  FOREACH v_key IN ARRAY coalesce(p_keys, '{}') LOOP
    PERFORM parting._ensure_families(v_cfg, v_key);
  END LOOP;
END;
$$;
