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
-- a hash) the partitions the range can hold are walked instead, from the end the order
-- starts at, each looked up by its exact name (parting._bound's grid: every partition
-- pgpart makes starts on it): up to a budget of steps (64, and 4 more per row a p_limit
-- asks for), which a question about the newest or oldest few partitions stays within;
-- past it, or with no bound at the end the order starts from, every attached partition is
-- read. Partitions of years past 9999, whose names no longer sort, are not seen by the
-- name path.
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
  v_cur refcursor;
  v_r record;
  v_bound text;
  v_n integer := 0;
  v_shape text := '^\d{4}(_\d\d(_\d\d(_\d{4}(_2)?)?)?)?$';
  v_v text;
  v_b record;
  v_steps integer := 0;
  v_budget integer := 64 + 4 * coalesce(p_limit, 0);
  v_parts regclass[] := '{}';
  v_suffixes text[] := '{}';
  v_lowers text[] := '{}';
  v_done boolean := false;
BEGIN
  IF parting._sorted_names(p_cfg) AND coalesce(p_after, '0000-') ~ '^\d{4}-' AND coalesce(p_before, '0000-') ~ '^\d{4}-' THEN
    -- Names strictly between the two bounds' partitions ('0' and ':' enclose every digit).
    -- The hour that repeats when clocks go back, <hour>_2, sorts right after <hour>.
    v_from := v_prefix || coalesce((parting._bound(p_cfg, p_after)).suffix, '0');
    v_to := v_prefix || coalesce((parting._bound(p_cfg, p_before)).suffix, ':');
    v_nsp := (SELECT n.oid FROM pg_namespace n WHERE n.nspname = p_cfg.schema_name);
    -- A loop over the name index alone, in order, checking each name's pg_inherits row as
    -- it comes: a join would let the planner start from pg_inherits, which lists every
    -- partition of the parent.
    IF p_desc THEN
      OPEN v_cur FOR SELECT r.oid, r.relname FROM pg_class r
                      WHERE r.relname > v_from::name AND r.relname < v_to::name AND r.relnamespace = v_nsp
                      ORDER BY r.relname DESC;
    ELSE
      OPEN v_cur FOR SELECT r.oid, r.relname FROM pg_class r
                      WHERE r.relname > v_from::name AND r.relname < v_to::name AND r.relnamespace = v_nsp
                      ORDER BY r.relname;
    END IF;
    LOOP
      EXIT WHEN p_limit IS NOT NULL AND v_n >= p_limit;
      FETCH v_cur INTO v_r;
      EXIT WHEN NOT FOUND;
      CONTINUE WHEN substr(v_r.relname, octet_length(v_prefix) + 1) !~ v_shape;
      SELECT pg_get_expr(c.relpartbound, c.oid) INTO v_bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhrelid = v_r.oid AND i.inhparent = v_parent;
      CONTINUE WHEN NOT FOUND;
      partition := v_r.oid::regclass;
      suffix := substr(v_r.relname, octet_length(v_prefix) + 1);
      lower := btrim(substr(v_bound, 18, position(') TO (' IN v_bound) - 18), '''');
      v_n := v_n + 1;
      RETURN NEXT;
    END LOOP;
    CLOSE v_cur;
    RETURN;
  END IF;
  IF p_cfg.strategy = 'range' AND (CASE WHEN p_desc THEN p_before ELSE p_after END) IS NOT NULL THEN
    -- The walk: candidate lower bounds one partition apart, from the end the order starts at.
    v_nsp := (SELECT n.oid FROM pg_namespace n WHERE n.nspname = p_cfg.schema_name);
    IF p_desc THEN
      v_v := (parting._bound(p_cfg, p_before)).lower;
      IF parting._ord(p_cfg, v_v) >= parting._ord(p_cfg, p_before) THEN
        v_v := parting._prior(p_cfg, v_v);
      END IF;
    ELSE
      v_v := (parting._bound(p_cfg, p_after)).upper;
    END IF;
    LOOP
      IF v_v IS NULL OR v_v = 'MAXVALUE'
         OR (p_desc AND p_after IS NOT NULL AND parting._ord(p_cfg, v_v) <= parting._ord(p_cfg, p_after))
         OR (NOT p_desc AND p_before IS NOT NULL AND parting._ord(p_cfg, v_v) >= parting._ord(p_cfg, p_before))
         OR (p_limit IS NOT NULL AND cardinality(v_parts) >= p_limit) THEN
        v_done := true;
        EXIT;
      END IF;
      EXIT WHEN v_steps >= v_budget;
      v_steps := v_steps + 1;
      v_b := parting._bound(p_cfg, v_v);
      SELECT r.oid::regclass AS partition, v_b.suffix AS suffix,
             btrim(substr(e.bound, 18, position(') TO (' IN e.bound) - 18), '''') AS lower
        INTO v_r
        FROM pg_class r JOIN pg_inherits i ON i.inhrelid = r.oid AND i.inhparent = v_parent
       CROSS JOIN LATERAL (SELECT pg_get_expr(r.relpartbound, r.oid) AS bound) e
       WHERE r.relname = parting._name(p_cfg.table_name, v_b.suffix)::name AND r.relnamespace = v_nsp;
      -- A table under the name with other bounds is not the partition the walk stands at.
      IF FOUND AND parting._ord(p_cfg, v_r.lower) = parting._ord(p_cfg, v_b.lower) THEN
        v_parts := v_parts || v_r.partition;
        v_suffixes := v_suffixes || v_r.suffix;
        v_lowers := v_lowers || v_r.lower;
      END IF;
      v_v := CASE WHEN p_desc THEN parting._prior(p_cfg, v_b.lower) ELSE v_b.upper END;
    END LOOP;
    IF v_done THEN
      FOR i IN 1 .. cardinality(v_parts) LOOP
        partition := v_parts[i];
        suffix := v_suffixes[i];
        lower := v_lowers[i];
        RETURN NEXT;
      END LOOP;
      RETURN;
    END IF;
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
