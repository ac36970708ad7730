-- Whether another role holds a name the partition of p_suffix of one model would take: its
-- table (a relation, or a type: CREATE TABLE makes a type of the same name) or one of the
-- indexes its keys and indexes make, in the model's schema, owned by a role that is not the
-- model's parent's owner. Returns 'table public.tweet_2027_01 owned by role mallory', or NULL.
-- A role that may create in the models' schema could take a future partition's name first;
-- pgpart neither adopts nor drops what another role owns, and instead of failing the same
-- creation at every run, skips that partition, says so, and makes the others.
CREATE OR REPLACE FUNCTION parting._name_taken(p_cfg parting.config, p_suffix text, p_default boolean)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_name text := parting._name(p_cfg.table_name, p_suffix);
BEGIN
  -- One statement (each one more costs a family's creation its own execution): the owner
  -- and schema looked up, and every name the partition takes, then the first one another
  -- role holds. No schema or no parent: nothing to compare with, NULL.
  RETURN (
    SELECT format('%s %I.%I owned by role %s', k.kind, p_cfg.schema_name, k.name, pg_get_userbyid(k.owner))
      FROM (SELECT (SELECT c.relowner FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))) AS owner,
                   to_regnamespace(quote_ident(p_cfg.schema_name)) AS ns,
                   ARRAY[v_name]
                   || ARRAY(SELECT parting._name(v_name, x ->> 'tag') FROM jsonb_array_elements(p_cfg.indexes) x
                             WHERE x ->> 'kind' IN ('primary', 'unique', 'index', 'local_unique'))
                   || CASE WHEN p_default THEN ARRAY[parting._name(v_name, p_cfg.key_column || '_idx')] ELSE '{}'::text[] END AS names
            OFFSET 0) p
     CROSS JOIN LATERAL (
            SELECT parting._relkind_word(r.relkind) AS kind,
                   r.relname::text AS name, r.relowner AS owner, array_position(p.names, r.relname::text) AS n
              FROM pg_class r
             WHERE r.relnamespace = p.ns AND r.relname = ANY (p.names) AND r.relowner <> p.owner
            UNION ALL
            SELECT 'type', t.typname::text, t.typowner, 1
              FROM pg_type t
             WHERE t.typnamespace = p.ns AND t.typname = v_name AND t.typrelid = 0 AND t.typowner <> p.owner) k
     ORDER BY k.n, k.kind
     LIMIT 1);
END;
$$;
