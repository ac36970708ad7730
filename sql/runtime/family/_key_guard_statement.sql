-- The CREATE TRIGGER statement of the key guard (parting._key_guard_trigger) on p_table: the
-- one text both a parent's guard (parting._key_guard) and its archive table's
-- (parting._archive_key_guard, p_archive) are made from. NULL when the model needs none:
-- nobody references it (p_dependents false), or it is distributed (Citus refuses triggers on
-- distributed tables). It fires only when the key changes (UPDATE OF the key column, WHEN
-- OLD <> NEW): writers that leave the key alone never run it.
CREATE OR REPLACE FUNCTION parting._key_guard_statement(p_cfg parting.config, p_dependents boolean, p_table text, p_archive boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_dependents AND p_cfg.distribution IS NULL THEN
    format('CREATE TRIGGER pgpart_key_guard BEFORE UPDATE OF %I ON %s FOR EACH ROW WHEN (OLD.%I IS DISTINCT FROM NEW.%I) '
           'EXECUTE FUNCTION parting._key_guard_trigger(%s)',
           p_cfg.key_column, p_table, p_cfg.key_column, p_cfg.key_column,
           CASE WHEN p_archive THEN format('%L, %L', p_cfg.model, 'archive') ELSE format('%L', p_cfg.model) END)
  END
$$;
