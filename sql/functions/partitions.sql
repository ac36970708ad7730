-- Every partition: the attached ones read from the catalog (not from pgpart's own records,
-- so they cannot drift), then those parting.offline knows as detached, archived or filling
-- whose table still exists: bounds, key, the parent model's partition its foreign key
-- points to, tablespace, size and state. TimeZone and DateStyle are pinned so bounds print
-- canonically.
CREATE OR REPLACE FUNCTION parting.partitions(p_model text DEFAULT NULL)
RETURNS TABLE (model text, partition regclass, key text, lower text, upper text, is_default boolean,
               parent_partition regclass, tablespace name, total_bytes bigint, state text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
BEGIN
  IF p_model IS NOT NULL THEN
    PERFORM parting._model(p_model);
  END IF;
  RETURN QUERY
  WITH parts AS (
    SELECT c AS cfg, r.oid AS relid, r.relname, r.reltablespace,
           pg_get_expr(r.relpartbound, r.oid) AS bound, 'attached'::text AS state
      FROM parting.config c
      JOIN pg_inherits i ON i.inhparent = to_regclass(format('%I.%I', c.schema_name, c.table_name))
      JOIN pg_class r ON r.oid = i.inhrelid
     WHERE p_model IS NULL OR c.model = p_model
    UNION ALL
    SELECT c, r.oid, r.relname, r.reltablespace,
           parting._clause(c, o.lower, o.upper, false), o.state
      FROM parting.offline o
      JOIN parting.config c ON c.model = o.model
      JOIN pg_class r ON r.oid = to_regclass(format('%I.%I', o.schema_name, o.table_name))
     WHERE (p_model IS NULL OR c.model = p_model)
       AND (o.state <> 'detaching' OR NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.oid))
  ), bounds AS (
    SELECT p.*, m[1] AS b_lower, m[2] AS b_upper, l[1] AS b_list
      FROM parts p
      LEFT JOIN LATERAL regexp_match(p.bound, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m ON true
      LEFT JOIN LATERAL regexp_match(p.bound, '^FOR VALUES IN \((.*)\)$') AS l ON true
  )
  SELECT (b.cfg).model,
         b.relid::regclass,
         CASE WHEN b.bound = 'DEFAULT' THEN 'default'
              WHEN (b.cfg).strategy = 'list' THEN parting._unquote(b.b_list)
              ELSE (parting._bound(b.cfg, parting._unquote(b.b_lower))).suffix END,
         parting._unquote(coalesce(b.b_lower, b.b_list)),
         parting._unquote(b.b_upper),
         b.bound = 'DEFAULT',
         (SELECT f.confrelid::regclass FROM pg_constraint f
           WHERE f.conrelid = b.relid AND f.contype = 'f'
             AND f.conname = parting._name(b.relname, (b.cfg).fk_tag)),
         coalesce(t.spcname, (SELECT d.spcname FROM pg_database db JOIN pg_tablespace d ON d.oid = db.dattablespace
                               WHERE db.datname = current_database())),
         pg_total_relation_size(b.relid),
         b.state
    FROM bounds b
    LEFT JOIN pg_tablespace t ON t.oid = b.reltablespace
   ORDER BY (b.cfg).root_model, (b.cfg).family_order, (b.cfg).model, b.state <> 'attached', b.bound = 'DEFAULT',
            CASE WHEN (b.cfg).key_type = 'integer' THEN parting._unquote(coalesce(b.b_lower, b.b_list))::numeric END,
            parting._unquote(coalesce(b.b_lower, b.b_list));
END;
$$;

COMMENT ON FUNCTION parting.partitions(text) IS
$c$Every partition of every model (or of one), from the catalog: key, bounds, default or not, the parent model's partition its foreign key references, tablespace, size, state (attached, detached, archived, filling).$c$;
