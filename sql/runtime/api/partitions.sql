-- Every partition: the attached ones read from the catalog (parting._attached: not from
-- pgpart's own records, so they cannot drift), then those parting.offline knows as
-- detached, archived, filling or detaching whose table still exists: key, bounds, the
-- parent model's partition its foreign key points to, tablespace, size and state. No pgpart
-- function is called per partition where an expression will do (see parting._attached).
CREATE OR REPLACE FUNCTION parting.partitions(p_model text DEFAULT NULL)
RETURNS TABLE (model text, partition regclass, key text, lower text, upper text, is_default boolean,
               parent_partition regclass, tablespace name, total_bytes bigint, state text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
  v_default name := (SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
                      WHERE d.datname = current_database());
  -- On Citus, a distributed table's size is its shards' (parting._size); asked once here.
  v_citus boolean := parting._citus();
BEGIN
  IF p_model IS NOT NULL THEN
    PERFORM parting._model(p_model);
  END IF;
  RETURN QUERY
  WITH parts AS (
    SELECT c.model, c.root_model, c.family_order, c.key_type, c.fk_tag,
           a.partition AS relid, a.key, a.lower, a.upper, a.is_default, 'attached'::text AS state
      FROM parting.config c CROSS JOIN LATERAL parting._attached(c.model) a
     WHERE p_model IS NULL OR c.model = p_model
    UNION ALL
    SELECT c.model, c.root_model, c.family_order, c.key_type, c.fk_tag,
           r.oid::regclass, CASE WHEN c.strategy = 'list' THEN o.lower ELSE o.suffix END, o.lower, o.upper, false, o.state
      FROM parting.offline o
      JOIN parting.config c ON c.model = o.model
      JOIN pg_namespace n ON n.nspname = o.schema_name
      JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = o.table_name
     WHERE (p_model IS NULL OR c.model = p_model)
       AND (o.state <> 'detaching' OR NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.oid))
  )
  SELECT p.model, p.relid, p.key, p.lower, p.upper, p.is_default,
         (SELECT f.confrelid::regclass FROM pg_constraint f
           WHERE f.conrelid = p.relid AND f.contype = 'f'
             AND f.conname = parting._name(r.relname, p.fk_tag)),
         coalesce(t.spcname, v_default),
         CASE WHEN v_citus THEN parting._size(p.relid) ELSE pg_total_relation_size(p.relid) END,
         p.state
    FROM parts p
    JOIN pg_class r ON r.oid = p.relid
    LEFT JOIN pg_tablespace t ON t.oid = r.reltablespace
   ORDER BY p.root_model, p.family_order, p.model, p.state <> 'attached', p.is_default,
            CASE WHEN p.key_type = 'integer' THEN p.lower::numeric END, p.lower;
END;
$$;

COMMENT ON FUNCTION parting.partitions(text) IS
$c$Every partition of every model (or of one): key, bounds, default or not, the parent model's partition its foreign key references, tablespace, size, state (attached from the catalog; detached, archived, filling or detaching from parting.offline).$c$;
