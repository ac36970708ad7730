-- Partitions of a range family past retention, for parting._due, as (suffix, lower, n), oldest
-- first: every attached partition whose upper bound is at or below the cutoff (p_cutoff).
-- Then the families a `pgpart maintain` left half detached, finished as retired.
CREATE OR REPLACE FUNCTION parting._due_retire(p_root parting.config, p_cutoff text)
RETURNS TABLE (suffix text, lower text, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_edge record;
BEGIN
  IF p_cutoff IS NOT NULL THEN
    v_edge := parting._bound(p_root, p_cutoff);
    -- Every attached partition below the cutoff, from the oldest: not from the newest family
    -- retired below it, since a family detached or archived by hand may be younger than
    -- partitions still attached, which would then never be read again. The partitions read
    -- are attached ones, all of them due; by name (parting._attached_between), only
    -- detached tables kept in the models' schema are passed over besides.
    RETURN QUERY
    SELECT a.suffix, a.lower, (row_number() OVER ())::integer
      FROM parting._attached_between(p_root, NULL, v_edge.lower) a;
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
