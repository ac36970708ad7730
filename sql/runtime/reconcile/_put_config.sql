-- Writes one model's config row as install.sql carries it (a jsonb object of the row), and
-- leaves an identical row untouched, so re-running install.sql changes nothing. A key that
-- is not a column of parting.config is an error, not a value silently dropped: the row
-- comes from the TypeScript ConfigRow, and the two must agree.
CREATE OR REPLACE PROCEDURE parting._put_config(p_row jsonb)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_new parting.config := parting._config_row(p_row);
  v_old parting.config;
BEGIN
  SELECT * INTO v_old FROM parting.config WHERE model = v_new.model;
  IF FOUND AND v_old IS NOT DISTINCT FROM v_new THEN
    RETURN;
  END IF;
  DELETE FROM parting.config WHERE model = v_new.model;
  INSERT INTO parting.config SELECT v_new.*;
END;
$$;
