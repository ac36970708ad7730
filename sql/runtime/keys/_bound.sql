-- The partition that holds a canonical value: its name suffix and bounds (as canonical
-- texts; for a list model, lower is the key and upper is NULL). An integer range is named
-- by its lower bound; its top partition's upper bound is 'MAXVALUE' when the next bound
-- would pass the key column's type (integer width 1000: tweet_2147483000 is
-- [2147483000, MAXVALUE)), and its bottom one starts at the type's minimum
-- (tweet_m2147483648 is [-2147483648, -2147483000)).
--
-- Time ranges are cut in the model's pinned zone: date_trunc on wall-clock time, so a
-- month starts at local midnight on the 1st whatever the session's TimeZone. Hourly
-- partitions of a timestamptz column are cut on absolute hours instead (date_bin), so a
-- DST change leaves neither a hole nor an overlap; the wall-clock hour that repeats when
-- clocks go back gets the suffix '_2' on its second occurrence.
CREATE OR REPLACE FUNCTION parting._bound(p_cfg parting.config, p_value text,
                                          OUT suffix text, OUT lower text, OUT upper text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_step interval;
  v_low numeric;
  v_min numeric;
  v_max numeric;
  v_at timestamptz;
  v_wall timestamp;
BEGIN
  IF p_cfg.strategy = 'list' THEN
    -- Integer keys are named like integer ranges: 42 -> _42, -7 -> _m7.
    suffix := CASE WHEN p_cfg.key_type = 'integer' AND p_value LIKE '-%' THEN 'm' || substr(p_value, 2)
                   WHEN p_cfg.key_type = 'integer' THEN p_value
                   ELSE parting._list_suffix(p_value) END;
    lower := p_value;
    RETURN;
  END IF;

  IF p_cfg.key_type = 'integer' THEN
    -- p_value 'MAXVALUE' (the top partition's upper bound, the next value of a premake loop)
    -- stands for the partition holding the type's largest value, so such loops stop there.
    IF p_value <> 'MAXVALUE' THEN
      v_low := floor(p_value::numeric / p_cfg.width) * p_cfg.width;
    END IF;
    -- Bounds past the column type's range: the top partition's upper bound is MAXVALUE, the
    -- bottom one's lower bound the type's minimum (it holds what MINVALUE would). A bound
    -- within smallint's range fits every key type, so only the others look the type up.
    IF v_low IS NULL OR v_low < -32768 OR v_low + p_cfg.width > 32767 THEN
      SELECT CASE a.atttypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 END,
             CASE a.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 END
        INTO v_min, v_max
        FROM pg_attribute a
       WHERE a.attrelid = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))
         AND a.attname = p_cfg.key_column AND NOT a.attisdropped;
      v_min := coalesce(v_min, -9223372036854775808);
      v_max := coalesce(v_max, 9223372036854775807);
      v_low := coalesce(v_low, floor(v_max / p_cfg.width) * p_cfg.width);
    END IF;
    upper := CASE WHEN v_low + p_cfg.width > v_max THEN 'MAXVALUE' ELSE (v_low + p_cfg.width)::text END;
    v_low := greatest(v_low, v_min);
    suffix := CASE WHEN v_low < 0 THEN 'm' || (-v_low)::text ELSE v_low::text END;
    lower := v_low::text;
    RETURN;
  END IF;

  v_step := CASE p_cfg.unit WHEN 'quarter' THEN interval '3 months' ELSE ('1 ' || p_cfg.unit)::interval END;
  IF p_cfg.key_type = 'timestamptz' AND p_cfg.unit = 'hour' THEN
    -- The origin is the start of the value's local hour, so zones with a half-hour offset
    -- (Asia/Colombo, +05:30) get partitions on their own hours.
    v_at := date_bin(v_step, p_value::timestamptz,
                     date_trunc('hour', p_value::timestamptz AT TIME ZONE p_cfg.timezone) AT TIME ZONE p_cfg.timezone);
    suffix := to_char(v_at AT TIME ZONE p_cfg.timezone, 'YYYY_MM_DD_HH24MI');
    IF (v_at - v_step) AT TIME ZONE p_cfg.timezone >= v_at AT TIME ZONE p_cfg.timezone THEN
      suffix := suffix || '_2';
    END IF;
    IF v_at >= timestamptz '294276-12-30 00:00:00+00' THEN
      RAISE EXCEPTION 'model "%": the partition holding % would end after 294276-12-31, the last time PostgreSQL stores', p_cfg.model, p_value
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lower := parting._canonical_abs(p_cfg, v_at);
    upper := parting._canonical_abs(p_cfg, v_at + v_step);
    RETURN;
  END IF;

  v_wall := CASE p_cfg.key_type
              WHEN 'timestamptz' THEN p_value::timestamptz AT TIME ZONE p_cfg.timezone
              ELSE p_value::timestamp END;
  v_wall := date_trunc(p_cfg.unit, v_wall);
  -- Its upper bound must be a time PostgreSQL can store, in any zone (a day's margin).
  IF v_wall >= timestamp '294276-12-30 00:00:00' - v_step THEN
    RAISE EXCEPTION 'model "%": the partition holding % would end after 294276-12-31, the last time PostgreSQL stores', p_cfg.model, p_value
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  suffix := to_char(v_wall, CASE p_cfg.unit
                              WHEN 'year' THEN 'YYYY'
                              WHEN 'quarter' THEN 'YYYY_MM'
                              WHEN 'month' THEN 'YYYY_MM'
                              WHEN 'hour' THEN 'YYYY_MM_DD_HH24MI'
                              ELSE 'YYYY_MM_DD' END);
  lower := parting._canonical_wall(p_cfg, v_wall);
  upper := parting._canonical_wall(p_cfg, v_wall + v_step);
END;
$$;
