-- Attached partitions of one range model whose lower bound lies strictly between p_after
-- and p_before (canonical values; NULL: no bound), in key order (newest first with
-- p_desc), at most p_limit (NULL: all). What maintenance plans with, so its cost follows
-- the partitions it asks about, not all of them.
--
-- A time range's partitions are named <table>_<suffix> with fixed-width digits
-- (2013_03, 2013_03_01, 2013_03_01_0100), so their names sort as their bounds do: they are
-- read off pg_class's name index, visiting only the names in the range asked for (a table
-- merely named like a partition is passed over: it must be attached to the parent). Where
-- names do not sort by key (integer keys; names that pass 63 bytes and are shortened with
-- a hash) every attached partition is read instead. Partitions of years past 9999, whose
-- names no longer sort, are not seen by the name path.
CREATE OR REPLACE FUNCTION parting._attached_between(p_cfg parting.config, p_after text, p_before text,
                                                     p_desc boolean DEFAULT false, p_limit integer DEFAULT NULL)
RETURNS TABLE (partition regclass, suffix text, lower text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_parent regclass := to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name));
  v_prefix text := p_cfg.table_name || '_';
  v_from text;
  v_to text;
  v_nsp oid;
  v_shape text := '^\d{4}(_\d\d(_\d\d(_\d{4}(_2)?)?)?)?$';
BEGIN
  IF parting._sorted_names(p_cfg) AND coalesce(p_after, '0000-') ~ '^\d{4}-' AND coalesce(p_before, '0000-') ~ '^\d{4}-' THEN
    -- Names strictly between the two bounds' partitions ('0' and ':' enclose every digit).
    -- The hour that repeats when clocks go back, <hour>_2, sorts right after <hour>.
    v_from := v_prefix || coalesce((parting._bound(p_cfg, p_after)).suffix, '0');
    v_to := v_prefix || coalesce((parting._bound(p_cfg, p_before)).suffix, ':');
    v_nsp := (SELECT n.oid FROM pg_namespace n WHERE n.nspname = p_cfg.schema_name);
    IF p_desc THEN
      RETURN QUERY
      SELECT r.oid::regclass, substr(r.relname, octet_length(v_prefix) + 1),
             parting._unquote((regexp_match(pg_get_expr(r.relpartbound, r.oid), '^FOR VALUES FROM \((.*)\) TO'))[1])
        FROM pg_class r
        JOIN pg_inherits i ON i.inhrelid = r.oid AND i.inhparent = v_parent
       WHERE r.relname > v_from::name AND r.relname < v_to::name
         AND r.relnamespace = v_nsp AND substr(r.relname, octet_length(v_prefix) + 1) ~ v_shape
       ORDER BY r.relname DESC
       LIMIT p_limit;
    ELSE
      RETURN QUERY
      SELECT r.oid::regclass, substr(r.relname, octet_length(v_prefix) + 1),
             parting._unquote((regexp_match(pg_get_expr(r.relpartbound, r.oid), '^FOR VALUES FROM \((.*)\) TO'))[1])
        FROM pg_class r
        JOIN pg_inherits i ON i.inhrelid = r.oid AND i.inhparent = v_parent
       WHERE r.relname > v_from::name AND r.relname < v_to::name
         AND r.relnamespace = v_nsp AND substr(r.relname, octet_length(v_prefix) + 1) ~ v_shape
       ORDER BY r.relname
       LIMIT p_limit;
    END IF;
    RETURN;
  END IF;
  RETURN QUERY
  SELECT a.partition, a.key, a.lower
    FROM parting._attached(p_cfg.model) a
   WHERE NOT a.is_default
     AND (p_after IS NULL OR parting._ord(p_cfg, a.lower) > parting._ord(p_cfg, p_after))
     AND (p_before IS NULL OR parting._ord(p_cfg, a.lower) < parting._ord(p_cfg, p_before))
   ORDER BY CASE WHEN p_desc THEN -parting._ord(p_cfg, a.lower) ELSE parting._ord(p_cfg, a.lower) END
   LIMIT p_limit;
END;
$$;
