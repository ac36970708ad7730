-- Parses a key given by a user (ensure_partition's p_key, partition_for's text value) into
-- the model's canonical text, or raises an error naming the key, the model and what was
-- expected. Shorthands: 'YYYY', 'YYYY-MM', 'YYYY-MM-DD' (also with '_').
--
-- A timestamptz key that names its own zone or offset ('…+09', '… +5', '… EST',
-- '… America/New_York', 'epoch', 'now') is that instant, as PostgreSQL reads it on INSERT;
-- any other is wall-clock time in the model's zone. PostgreSQL decides which: the text is
-- read as timestamptz under two session zones (UTC, Asia/Kathmandu: +05:45, never equal),
-- and only a text carrying its own zone gives the same instant under both. The caller's
-- TimeZone is put back (on error, the subtransaction's rollback puts it back).
-- timestamp and date keys drop a zone, as PostgreSQL does when it stores them.
--
-- Refused with a clear error: times before year 1 (BC) and infinity (no partition holds
-- them; see _canonical_wall), and text list keys over 1000 bytes (their partition could not
-- be detached: parting.offline's primary key holds the suffix, the hex of the key's bytes).
CREATE OR REPLACE FUNCTION parting._canonical(p_cfg parting.config, p_key text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_parts text[];
  v_wall timestamp;
  v_at timestamptz;
  v_other timestamptz;
  v_zone text;
  v_int text;
BEGIN
  IF p_key IS NULL OR btrim(p_key) = '' THEN
    RAISE EXCEPTION 'model "%": the key is empty', p_cfg.model USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_cfg.key_type = 'text' THEN
    IF octet_length(p_key) > 1000 THEN
      RAISE EXCEPTION 'key "%…" for model "%" is % bytes long: list keys may have at most 1000 bytes',
                      left(p_key, 40), p_cfg.model, octet_length(p_key)
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'a longer key''s partition could not be detached (its name suffix is the hex of the key, kept in parting.offline''s primary key)';
    END IF;
    RETURN p_key;
  END IF;
  IF p_cfg.key_type = 'integer' THEN
    -- Up to 19 digits (bigint's range); the cast below decides what fits the column.
    IF p_key !~ '^\s*-?\d{1,19}\s*$' THEN
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

  -- A whole day as most callers write it ('2013-03-15', '2013_03_15') is taken apart
  -- without the regular expression, whose match costs a quarter of this function's time;
  -- any other text goes through it. Only digits and the two separators translate to '0'
  -- and '-', so only such a day equals the pattern, and it gives the parts the match would.
  IF translate(p_key, '123456789_', '000000000-') = '0000-00-00' THEN
    v_parts := ARRAY[substr(p_key, 1, 4), substr(p_key, 6, 2), substr(p_key, 9, 2)];
  ELSE
    v_parts := regexp_match(p_key, '^\s*(\d{4})(?:[-_](\d{1,2})(?:[-_](\d{1,2}))?)?\s*$');
  END IF;
  -- A shorthand naming a day every month has (the 1st to the 28th) cannot fail: made here,
  -- outside the block below, whose error trap costs a subtransaction.
  IF v_parts IS NOT NULL AND v_parts[1]::int >= 1 AND coalesce(v_parts[2], '1')::int BETWEEN 1 AND 12
     AND coalesce(v_parts[3], '1')::int BETWEEN 1 AND 28 THEN
    v_wall := make_timestamp(v_parts[1]::int, coalesce(v_parts[2], '1')::int, coalesce(v_parts[3], '1')::int, 0, 0, 0);
  ELSE
    BEGIN
      IF v_parts IS NOT NULL THEN
        v_wall := make_timestamp(v_parts[1]::int, coalesce(v_parts[2], '1')::int, coalesce(v_parts[3], '1')::int, 0, 0, 0);
      ELSIF p_cfg.key_type = 'timestamptz' THEN
        v_zone := current_setting('TimeZone');
        PERFORM set_config('TimeZone', 'UTC', true);
        v_at := p_key::timestamptz;
        PERFORM set_config('TimeZone', 'Asia/Kathmandu', true);
        v_other := p_key::timestamptz;
        PERFORM set_config('TimeZone', v_zone, true);
        IF v_at IS DISTINCT FROM v_other THEN
          v_at := NULL;
          v_wall := p_key::timestamp;
        END IF;
      ELSE
        v_wall := p_key::timestamp;
      END IF;
    EXCEPTION WHEN data_exception THEN
      RAISE EXCEPTION 'malformed key "%" for model "%": expected a time such as ''2013-03'', ''2013-03-15'' or ''2013-03-15 10:00''', p_key, p_cfg.model
        USING ERRCODE = 'invalid_datetime_format', DETAIL = SQLERRM;
    END;
  END IF;

  -- Checked here too (not only in _canonical_wall/_abs) so that the error names the key as given.
  IF NOT isfinite(v_wall) OR NOT isfinite(v_at) THEN
    RAISE EXCEPTION 'key "%" for model "%" is not a finite time: no partition holds it', p_key, p_cfg.model
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_wall < timestamp '0001-01-01 00:00:00' OR v_at < timestamptz '0001-01-01 00:00:00+00' THEN
    RAISE EXCEPTION 'key "%" for model "%" is before year 1 (BC): pgpart makes no partitions for BC times', p_key, p_cfg.model
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_wall IS NULL THEN
    -- The text names its own zone: an instant.
    RETURN parting._canonical_abs(p_cfg, v_at);
  END IF;
  RETURN parting._canonical_wall(p_cfg, v_wall);
END;
$$;
