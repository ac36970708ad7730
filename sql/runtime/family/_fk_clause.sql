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
-- Built by expressions, not a query: each call then costs no executor set-up (a query's,
-- with its subqueries, cost more than the rest of a new dependent partition's bookkeeping),
-- only the parent model's key column is looked up, where the key column joins the key.
CREATE OR REPLACE FUNCTION parting._fk_clause(p_cfg parting.config, p_target text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_with_key boolean := NOT p_cfg.key_column = ANY (p_cfg.fk_columns)
                        AND (p_cfg.on_delete <> 'set null' OR current_setting('server_version_num')::integer >= 150000);
  v_cols text[] := p_cfg.fk_columns;
  v_refs text[] := p_cfg.ref_columns;
  v_col text;
  v_list text;
  v_ref_list text;
  v_null_list text;
BEGIN
  IF v_with_key THEN
    v_cols := v_cols || p_cfg.key_column;
    v_refs := v_refs || (SELECT c.key_column FROM parting.config c WHERE c.model = p_cfg.parent_model);
  END IF;
  FOREACH v_col IN ARRAY coalesce(v_cols, '{}') LOOP
    v_list := CASE WHEN v_list IS NULL THEN '' ELSE v_list || ', ' END || quote_ident(v_col);
  END LOOP;
  FOREACH v_col IN ARRAY coalesce(v_refs, '{}') LOOP
    v_ref_list := CASE WHEN v_ref_list IS NULL THEN '' ELSE v_ref_list || ', ' END || quote_ident(v_col);
  END LOOP;
  IF p_cfg.on_delete = 'set null' AND v_with_key THEN
    FOREACH v_col IN ARRAY coalesce(p_cfg.fk_columns, '{}') LOOP
      v_null_list := CASE WHEN v_null_list IS NULL THEN '' ELSE v_null_list || ', ' END || quote_ident(v_col);
    END LOOP;
  END IF;
  RETURN format('FOREIGN KEY (%s) REFERENCES %s(%s)%s%s', v_list, p_target, v_ref_list,
                CASE WHEN p_cfg.distribution IS NULL THEN ' ON UPDATE CASCADE' ELSE '' END,
                CASE p_cfg.on_delete
                  WHEN 'cascade' THEN ' ON DELETE CASCADE'
                  WHEN 'restrict' THEN ' ON DELETE RESTRICT'
                  WHEN 'set null' THEN ' ON DELETE SET NULL' || CASE WHEN v_with_key THEN format(' (%s)', v_null_list) ELSE '' END
                  ELSE '' END); -- NO ACTION, the default, which pg_get_constraintdef leaves out
END;
$$;
