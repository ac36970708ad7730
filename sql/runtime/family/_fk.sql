-- A dependent partition's foreign key to the parent model's partition of the same key:
-- its columns, the columns it references, and its ON DELETE clause. A partition of a range
-- or list key references the parent's partition by the declared key alone: its bounds (a
-- CHECK) already keep its rows to that key. The DEFAULT partition has no bounds, so its
-- foreign key also carries the partition key column: a row whose key disagrees with its
-- parent row's is refused there too, and can never block a later partition's drain. With
-- ON DELETE SET NULL the key column must keep its value (it is NOT NULL): PostgreSQL 15+
-- sets only the declared columns (SET NULL (cols)); on 14, which cannot, the default
-- partition's key references the declared key alone, as before.
CREATE OR REPLACE FUNCTION parting._fk(p_cfg parting.config, p_default boolean,
                                       OUT columns text[], OUT ref_columns text[], OUT on_delete text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ref_key text := (SELECT c.key_column FROM parting.config c WHERE c.model = p_cfg.parent_model);
  v_with_key boolean := p_default AND NOT p_cfg.key_column = ANY (p_cfg.fk_columns)
                        AND (p_cfg.on_delete <> 'set null' OR current_setting('server_version_num')::integer >= 150000);
BEGIN
  columns := p_cfg.fk_columns || CASE WHEN v_with_key THEN ARRAY[p_cfg.key_column] ELSE '{}'::text[] END;
  ref_columns := p_cfg.ref_columns || CASE WHEN v_with_key THEN ARRAY[v_ref_key] ELSE '{}'::text[] END;
  on_delete := CASE p_cfg.on_delete
                 WHEN 'cascade' THEN 'CASCADE'
                 WHEN 'restrict' THEN 'RESTRICT'
                 WHEN 'set null' THEN 'SET NULL' || CASE WHEN v_with_key
                                                         THEN format(' (%s)', (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.fk_columns) AS c))
                                                         ELSE '' END
                 ELSE 'NO ACTION' END;
END;
$$;
