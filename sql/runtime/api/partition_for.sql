-- The partition a value lives in, for applications that write to partitions directly
-- (django-parting's get_partition). Raises when no partition holds it.
CREATE OR REPLACE FUNCTION parting.partition_for(p_model text, p_value text)
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
BEGIN
  RETURN parting._partition_of(v_cfg, parting._canonical(v_cfg, p_value), p_value);
END;
$$;

-- Typed values: a timestamptz is an instant, a timestamp or date a wall-clock time in the
-- model's zone; anything else is read as its text.
CREATE OR REPLACE FUNCTION parting.partition_for(p_model text, p_value anyelement)
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_type regtype := pg_typeof(p_value);
  v_at timestamptz;
  v_wall timestamp;
  v_value text;
BEGIN
  IF v_cfg.key_type IN ('timestamptz', 'timestamp', 'date') AND v_type = 'timestamptz'::regtype THEN
    EXECUTE 'SELECT $1::timestamptz' INTO v_at USING p_value;
    v_value := parting._canonical_abs(v_cfg, v_at);
  ELSIF v_cfg.key_type IN ('timestamptz', 'timestamp', 'date') AND v_type IN ('timestamp'::regtype, 'date'::regtype) THEN
    EXECUTE 'SELECT $1::timestamp' INTO v_wall USING p_value;
    v_value := parting._canonical_wall(v_cfg, v_wall);
  ELSE
    v_value := parting._canonical(v_cfg, p_value::text);
  END IF;
  RETURN parting._partition_of(v_cfg, v_value, p_value::text);
END;
$$;

COMMENT ON FUNCTION parting.partition_for(text, text) IS
$c$The partition of a model that holds a value (its key as text, e.g. '2013-03-15 10:00' or 'baz'); the default partition when only that holds it; an error when none does.$c$;
COMMENT ON FUNCTION parting.partition_for(text, anyelement) IS
$c$The partition of a model that holds a typed value (timestamptz, timestamp, date, integer, text).$c$;
