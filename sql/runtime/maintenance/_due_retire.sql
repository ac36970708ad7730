-- Partitions of a range family past retention, for parting._due, as (suffix, lower, n), oldest
-- first: every attached partition whose upper bound is at or below the cutoff (p_cutoff)
-- and newer than the newest family already retired below it. Retention goes oldest first
-- and run_maintenance holds a family's later retires when one fails, so nothing older than
-- that family is still attached: the partitions read are the ones due, however many have
-- been retired before. Then the families a `pgpart maintain` left half detached, finished
-- as retired.
CREATE OR REPLACE FUNCTION parting._due_retire(p_root parting.config, p_cutoff text)
RETURNS TABLE (suffix text, lower text, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_edge record;
  v_floor text;
BEGIN
  IF p_cutoff IS NOT NULL THEN
    v_edge := parting._bound(p_root, p_cutoff);
    IF parting._sorted_names(p_root) THEN
      SELECT o.lower INTO v_floor
        FROM parting.offline o
       WHERE o.model = p_root.model AND o.state IN ('detached', 'archived') AND o.suffix < v_edge.suffix
       ORDER BY o.suffix DESC
       LIMIT 1;
    ELSE
      SELECT o.lower INTO v_floor
        FROM parting.offline o
       WHERE o.model = p_root.model AND o.state IN ('detached', 'archived')
         AND parting._ord(p_root, o.lower) < parting._ord(p_root, v_edge.lower)
       ORDER BY parting._ord(p_root, o.lower) DESC
       LIMIT 1;
    END IF;
    RETURN QUERY
    SELECT a.suffix, a.lower, (row_number() OVER ())::integer
      FROM parting._attached_between(p_root, v_floor, v_edge.lower) a;
  END IF;
  RETURN QUERY
  SELECT d.suffix, d.lower, (1000000 + row_number() OVER (ORDER BY d.suffix))::integer
    FROM (SELECT DISTINCT ON (o.suffix) o.suffix, o.lower
            FROM parting.config c JOIN parting.offline o ON o.model = c.model
           WHERE c.root_model = p_root.model AND o.state = 'detaching'
             AND NOT EXISTS (SELECT FROM pg_inherits i
                              WHERE i.inhrelid = to_regclass(format('%I.%I', p_root.schema_name, parting._name(p_root.table_name, o.suffix)))
                                AND i.inhparent = to_regclass(format('%I.%I', p_root.schema_name, p_root.table_name)))
           ORDER BY o.suffix) d;
END;
$$;
