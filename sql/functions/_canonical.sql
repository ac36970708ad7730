-- Parses a key given by a user (ensure_partition's p_key, partition_for's text value) into
-- the model's canonical text, or raises an error naming the key, the model and what was
-- expected. Time keys without an offset are read as wall-clock time in the model's zone;
-- shorthands: 'YYYY', 'YYYY-MM', 'YYYY-MM-DD' (also with '_').
CREATE OR REPLACE FUNCTION parting._canonical(p_cfg parting.config, p_key text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parts text[];
  v_wall timestamp;
  v_int text;
BEGIN
  IF p_key IS NULL OR btrim(p_key) = '' THEN
    RAISE EXCEPTION 'model "%": the key is empty', p_cfg.model USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_cfg.key_type = 'text' THEN
    RETURN p_key;
  END IF;
  IF p_cfg.key_type = 'integer' THEN
    IF p_key !~ '^\s*-?\d{1,18}\s*$' THEN
      RAISE EXCEPTION 'malformed key "%" for model "%": expected an integer', p_key, p_cfg.model
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The key must fit the column's own type (smallint, integer or bigint), else ATTACH
    -- would fail later with a bare "out of range".
    BEGIN
      EXECUTE format('SELECT CAST(%L AS %s)::text', btrim(p_key),
                     (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
                       WHERE a.attrelid = format('%I.%I', p_cfg.schema_name, p_cfg.table_name)::regclass
                         AND a.attname = p_cfg.key_column))
         INTO v_int;
    EXCEPTION WHEN numeric_value_out_of_range THEN
      RAISE EXCEPTION 'key "%" for model "%" is out of range for its % column', p_key, p_cfg.model, p_cfg.key_column
        USING ERRCODE = 'invalid_parameter_value';
    END;
    RETURN v_int;
  END IF;

  BEGIN
    v_parts := regexp_match(p_key, '^\s*(\d{4})(?:[-_](\d{1,2})(?:[-_](\d{1,2}))?)?\s*$');
    IF v_parts IS NOT NULL THEN
      v_wall := make_timestamp(v_parts[1]::int, coalesce(v_parts[2], '1')::int, coalesce(v_parts[3], '1')::int, 0, 0, 0);
    ELSIF p_cfg.key_type = 'timestamptz' AND p_key ~ '(Z|[+-]\d{2}(:?\d{2})?)\s*$' THEN
      -- An explicit offset names an instant; honour it instead of the pinned zone.
      RETURN parting._canonical_abs(p_cfg, p_key::timestamptz);
    ELSE
      v_wall := p_key::timestamp;
    END IF;
  EXCEPTION WHEN data_exception THEN
    RAISE EXCEPTION 'malformed key "%" for model "%": expected a time such as ''2013-03'', ''2013-03-15'' or ''2013-03-15 10:00''', p_key, p_cfg.model
      USING ERRCODE = 'invalid_datetime_format', DETAIL = SQLERRM;
  END;
  RETURN parting._canonical_wall(p_cfg, v_wall);
END;
$$;
