-- The comments pgpart gives a model's parent table and its key columns, so that `\d+`, and
-- tools that read the catalog to write an application's models (Django's inspectdb,
-- kysely-codegen), show what the partitions alone carry: the model and how it is
-- partitioned; on a dependent, the lockstep foreign key over its columns and the key's,
-- which exists on each partition only. col is NULL for the table's own comment. Each
-- starts with 'pgpart:', which is how a later install tells its own from a user's.
-- p_desired gives the referenced model's names (it may be new in this install).
CREATE OR REPLACE FUNCTION parting._comments(p_desired jsonb, p_cfg parting.config)
RETURNS TABLE (col text, comment text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH ref AS (
    SELECT m #>> '{config,table_name}' AS tbl, m #>> '{config,key_column}' AS key
      FROM jsonb_array_elements(p_desired -> 'models') m
     WHERE m #>> '{config,model}' = p_cfg.parent_model
  ), how AS (
    SELECT CASE WHEN p_cfg.strategy = 'list' THEN format('list of %I, a partition per value', p_cfg.key_column)
                WHEN p_cfg.key_type = 'integer' THEN format('range of %I, a partition per %s values', p_cfg.key_column, p_cfg.width)
                ELSE format('range of %I, a partition per %s%s', p_cfg.key_column, p_cfg.unit,
                            CASE WHEN p_cfg.timezone IS NULL OR p_cfg.key_type = 'date' THEN '' ELSE format(' (%s)', p_cfg.timezone) END)
           END AS partitioning
  ), fk AS (
    -- The lockstep foreign key: the declared columns and, with them, the key column (each
    -- partition's rows have its key), and what they reference in the parent.
    SELECT (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.fk_columns || CASE WHEN p_cfg.key_column = ANY (p_cfg.fk_columns)
                                                                                          THEN '{}'::text[] ELSE ARRAY[p_cfg.key_column] END) c) AS over,
           (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.ref_columns || CASE WHEN p_cfg.key_column = ANY (p_cfg.fk_columns)
                                                                                          THEN '{}'::text[] ELSE ARRAY[ref.key] END) c) AS refs,
           ref.tbl, ref.key, upper(p_cfg.on_delete) AS on_delete
      FROM ref
  )
  SELECT NULL::text, format('pgpart: model %s, partitioned by %s; pgpart makes, detaches and drops its partitions (parting.partitions() lists them)',
                            p_cfg.model, how.partitioning)
    FROM how WHERE p_cfg.parent_model IS NULL
  UNION ALL
  SELECT p_cfg.key_column, format('pgpart: partition key of %I: %s', p_cfg.table_name, how.partitioning)
    FROM how WHERE p_cfg.parent_model IS NULL
  UNION ALL
  SELECT NULL, format('pgpart: model %s, partitioned in lockstep with %I by %s: each partition has a foreign key (%s) to the partition of %I of the same key (%s), ON DELETE %s',
                      p_cfg.model, fk.tbl, how.partitioning, fk.over, fk.tbl, fk.refs, fk.on_delete)
    FROM how, fk
  UNION ALL
  SELECT c.col, format('pgpart: lockstep FK to %I(%I) over (%s) → %I(%s), ON DELETE %s', fk.tbl, c.ref, fk.over, fk.tbl, fk.refs, fk.on_delete)
    FROM fk, unnest(p_cfg.fk_columns, p_cfg.ref_columns) AS c(col, ref)
  UNION ALL
  SELECT p_cfg.key_column, format('pgpart: partition key, in lockstep with %I(%I); with the lockstep FK over (%s) → %I(%s)',
                                  fk.tbl, fk.key, fk.over, fk.tbl, fk.refs)
    FROM fk WHERE NOT p_cfg.key_column = ANY (p_cfg.fk_columns)
$$;
