-- The partition foreign key of a dependent's table, as the text of its constraint: the one
-- place its shape is decided. Every table of a dependent (attached partitions, the DEFAULT
-- partition, detached and archive tables) references the parent model's table of the same
-- key over the declared columns AND the partition key column:
--   FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet_2026_12(id, created_at)
--     ON UPDATE CASCADE ON DELETE <onDelete>
-- so a dependent can never carry a key its parent does not have (a client that rounds a
-- timestamp is refused, not stored apart from its parent), and a key changed inside a
-- partition carries its dependents along (ON UPDATE CASCADE). A key that would leave the
-- partition is the key guard's business (parting._key_guard).
-- ON DELETE SET NULL must leave the key column alone (NOT NULL, and the partition key):
-- PostgreSQL 15+ names the columns it sets (SET NULL (tweet_id)); 14 cannot, and would set
-- the key column too, so there the key column stays out of the foreign key (the declared
-- columns alone, as pgpart made it before) and parting.check() reports mismatched keys.
-- On Citus, which refuses ON UPDATE CASCADE on a foreign key holding the distribution
-- column, a distributed family's is ON UPDATE NO ACTION: a parent's key cannot change while
-- it has dependents (the foreign key refuses it).
-- The text is written as pg_get_constraintdef prints it (with pg_catalog as the search
-- path: the referenced table schema-qualified), so parting._fk_matches compares the two.
-- p_target: the referenced table, as its regclass text (schema-qualified).
-- PL/pgSQL keeps the statement's plan for the session; a SQL function (with its SET clause,
-- never inlined) would plan it at every call, which cost each new dependent partition more
-- than the rest of its bookkeeping.
CREATE OR REPLACE FUNCTION parting._fk_clause(p_cfg parting.config, p_target text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- One plan for every call: planned anew for each call's values (a custom plan, which
-- PL/pgSQL otherwise keeps choosing here), its statements cost more to plan than to run.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN (SELECT format('FOREIGN KEY (%s) REFERENCES %s(%s)%s%s',
                (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(s.columns) WITH ORDINALITY AS u(c, n)),
                p_target,
                (SELECT string_agg(format('%I', c), ', ' ORDER BY n) FROM unnest(s.ref_columns) WITH ORDINALITY AS u(c, n)),
                CASE WHEN p_cfg.distribution IS NULL THEN ' ON UPDATE CASCADE' ELSE '' END,
                CASE p_cfg.on_delete
                  WHEN 'cascade' THEN ' ON DELETE CASCADE'
                  WHEN 'restrict' THEN ' ON DELETE RESTRICT'
                  WHEN 'set null' THEN ' ON DELETE SET NULL' || CASE WHEN s.with_key
                                                          THEN format(' (%s)', (SELECT string_agg(format('%I', c), ', ' ORDER BY n)
                                                                                  FROM unnest(p_cfg.fk_columns) WITH ORDINALITY AS u(c, n)))
                                                          ELSE '' END
                  ELSE '' END) -- NO ACTION, the default, which pg_get_constraintdef leaves out
    FROM (SELECT w.with_key,
                 p_cfg.fk_columns || CASE WHEN w.with_key THEN ARRAY[p_cfg.key_column] ELSE '{}'::text[] END AS columns,
                 p_cfg.ref_columns || CASE WHEN w.with_key
                                           THEN ARRAY[(SELECT c.key_column FROM parting.config c WHERE c.model = p_cfg.parent_model)]
                                           ELSE '{}'::text[] END AS ref_columns
            FROM (SELECT NOT p_cfg.key_column = ANY (p_cfg.fk_columns)
                         AND (p_cfg.on_delete <> 'set null' OR current_setting('server_version_num')::integer >= 150000) AS with_key) w) s);
END;
$$;
