-- The index changes that make an existing model match the config's indexes (primary keys
-- and unique constraints are compared by parting._change_structure):
--   add index    an index in the config the parent lacks: CREATE INDEX ... ON ONLY the
--                parent (SHARE on it, catalog only), then a copy on every partition,
--                attached to it, and on every detached and archived table, named by
--                pgpart. psql -f install.sql builds the copies in its transaction (each
--                partition's writers wait for its build); `pgpart apply` builds them after
--                it, CONCURRENTLY, one at a time (no writer waits);
--   build index  copies an earlier `pgpart apply` left unbuilt (the parent's index is
--                invalid until every partition has its copy): the same two ways;
--                A copy whose name another object holds (parting._index_taken: a role with
--                CREATE on the schema made it first) is not built: its statement logs it
--                as skipped (parting._skip_index), and every other copy and change goes on;
--   drop index   an index an earlier install made that the config no longer has (indexes
--                made by hand are left alone): DROP INDEX on the parent, which drops the
--                attached copies, and on the other tables (ACCESS EXCLUSIVE, catalog only).
-- An index whose columns or method changed is dropped and made again.
-- p_rels and p_kinds are the family's tables and their kinds (parting._model_tables, read
-- once per model by parting._changes). Which tables lack a copy is one catalog query per
-- index (parting._index_lacking): only those get statements, so an unchanged install costs
-- a query per index, not a routine call per partition.
CREATE OR REPLACE FUNCTION parting._change_indexes(p_m jsonb, p_cfg parting.config, p_old parting.config, p_parent regclass,
                                                   p_rels regclass[], p_kinds text[])
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ix record;
  v_have record;
  v_parent_ix text;
  v_tables regclass[];
  v_others regclass[];
  v_inline text[];
  v_later parting.statement[];
  v_made boolean;
  v_drop boolean;
  v_fresh boolean := coalesce(cardinality(p_rels), 0) = 0;
  v_lacking regclass[];
  v_lacking_others regclass[];
  v_taken regclass[];
BEGIN
  -- Attached partitions get attached copies; detached and archived tables plain ones.
  v_tables := ARRAY(SELECT t.rel FROM unnest(p_rels, p_kinds) AS t(rel, kind) WHERE t.kind = 'partition');
  v_others := ARRAY(SELECT t.rel FROM unnest(p_rels, p_kinds) AS t(rel, kind) WHERE t.kind IN ('offline', 'archived'));

  -- Indexes an earlier install made and the config dropped, or whose definition changed.
  FOR v_ix IN
    SELECT o.tag, parting._name(p_cfg.table_name, o.tag) AS name
      FROM jsonb_to_recordset(coalesce(p_old.indexes, '[]')) AS o(kind text, columns text[], method text, tag text)
     WHERE o.kind = 'index'
  LOOP
    v_parent_ix := format('%I.%I', p_cfg.schema_name, v_ix.name);
    CONTINUE WHEN to_regclass(v_parent_ix) IS NULL;
    SELECT d INTO v_have FROM jsonb_array_elements(p_m -> 'indexes') d WHERE d ->> 'name' = v_ix.name;
    v_drop := v_have IS NULL OR NOT parting._index_matches(to_regclass(v_parent_ix), (SELECT array_agg(c) FROM jsonb_array_elements_text(v_have.d -> 'columns') c), v_have.d ->> 'method');
    CONTINUE WHEN NOT v_drop;
    RETURN NEXT parting._change(p_cfg.model, 'drop index', v_ix.name,
      format('%s, on %s and its %s partition(s)%s', v_ix.name, p_parent, cardinality(v_tables),
             CASE WHEN cardinality(v_others) > 0 THEN format(' and %s detached or archived table(s)', cardinality(v_others)) ELSE '' END),
      parting._locks(ARRAY[p_parent] || v_tables || v_others, 'ACCESS EXCLUSIVE'),
      format('ACCESS EXCLUSIVE on %s and its partitions (catalog only)', p_parent),
      ARRAY[format('DROP INDEX %s', v_parent_ix)]
        || ARRAY(SELECT format('DROP INDEX IF EXISTS %s', x.indexrelid::regclass)
                   FROM unnest(v_others) AS t(rel) JOIN pg_index x ON x.indrelid = t.rel
                   JOIN pg_class c ON c.oid = x.indexrelid
                  WHERE c.relname = parting._name((SELECT r.relname FROM pg_class r WHERE r.oid = t.rel), v_ix.tag)));
  END LOOP;

  FOR v_ix IN
    SELECT d ->> 'name' AS name, d ->> 'tag' AS tag, d ->> 'method' AS method,
           ARRAY(SELECT jsonb_array_elements_text(d -> 'columns')) AS columns
      FROM jsonb_array_elements(p_m -> 'indexes') d
  LOOP
    v_parent_ix := format('%I.%I', p_cfg.schema_name, v_ix.name);
    v_made := to_regclass(v_parent_ix) IS NOT NULL
              AND parting._index_matches(to_regclass(v_parent_ix), v_ix.columns, v_ix.method);
    IF NOT v_made AND v_fresh THEN
      -- Nothing to copy it to: one plain statement.
      RETURN NEXT parting._change(p_cfg.model, 'add index', v_ix.name,
        format('%s on %s (%s), no partitions yet', v_ix.name, p_parent, array_to_string(v_ix.columns, ', ')),
        parting._locks(ARRAY[p_parent], 'SHARE'), format('SHARE on %s (no partitions: catalog only)', p_parent),
        ARRAY[format('CREATE INDEX %I ON %s USING %I (%s)', v_ix.name, p_parent, v_ix.method,
                     (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_ix.columns) AS c))]);
      CONTINUE;
    END IF;
    v_inline := '{}';
    v_later := '{}';
    v_lacking := ARRAY(SELECT parting._index_lacking(v_parent_ix, v_tables, v_ix.tag, v_ix.columns, v_ix.method));
    v_lacking_others := ARRAY(SELECT parting._index_lacking(NULL, v_others, v_ix.tag, v_ix.columns, v_ix.method));
    CONTINUE WHEN v_made AND cardinality(v_lacking) = 0 AND cardinality(v_lacking_others) = 0;
    -- Copies whose name another object holds: neither built nor locked, only said.
    v_taken := ARRAY(SELECT t.rel FROM unnest(v_lacking || v_lacking_others) AS t(rel)
                      WHERE parting._index_taken(t.rel, v_ix.tag) IS NOT NULL);
    IF cardinality(v_taken) > 0 THEN
      v_lacking := ARRAY(SELECT t.rel FROM unnest(v_lacking) WITH ORDINALITY AS t(rel, n) WHERE t.rel <> ALL (v_taken) ORDER BY t.n);
      v_lacking_others := ARRAY(SELECT t.rel FROM unnest(v_lacking_others) WITH ORDINALITY AS t(rel, n) WHERE t.rel <> ALL (v_taken) ORDER BY t.n);
    END IF;
    -- Attached partitions first, then the rest, each table's statements in order.
    v_inline := ARRAY(SELECT s.sql
                        FROM unnest(v_lacking || v_lacking_others) WITH ORDINALITY AS t(rel, n)
                       CROSS JOIN LATERAL unnest(parting._index_build(CASE WHEN t.n <= cardinality(v_lacking) THEN v_parent_ix END,
                                                                      t.rel, v_ix.tag, v_ix.columns, v_ix.method, false))
                                          WITH ORDINALITY AS s(verb, object, sql, may_wait, k)
                       ORDER BY t.n, s.k);
    v_later := ARRAY(SELECT ROW(s.verb, s.object, s.sql, s.may_wait)::parting.statement
                       FROM unnest(v_lacking || v_lacking_others) WITH ORDINALITY AS t(rel, n)
                      CROSS JOIN LATERAL unnest(parting._index_build(CASE WHEN t.n <= cardinality(v_lacking) THEN v_parent_ix END,
                                                                     t.rel, v_ix.tag, v_ix.columns, v_ix.method, true))
                                         WITH ORDINALITY AS s(verb, object, sql, may_wait, k)
                      ORDER BY t.n, s.k);
    v_inline := v_inline || ARRAY(SELECT format('SELECT parting._skip_index(%L, %L, %L)', p_cfg.model, t.rel::text, v_ix.tag)
                                    FROM unnest(v_taken) WITH ORDINALITY AS t(rel, n) ORDER BY t.n);
    v_later := v_later || ARRAY(SELECT ROW('skip', parting._name((SELECT r.relname::text FROM pg_class r WHERE r.oid = t.rel), v_ix.tag),
                                           format('SELECT parting._skip_index(%L, %L, %L)', p_cfg.model, t.rel::text, v_ix.tag),
                                           false)::parting.statement
                                  FROM unnest(v_taken) WITH ORDINALITY AS t(rel, n) ORDER BY t.n);
    CONTINUE WHEN v_made AND cardinality(v_inline) = 0;
    RETURN NEXT parting._change(p_cfg.model, CASE WHEN v_made THEN 'build index' ELSE 'add index' END,
      v_ix.name,
      CASE WHEN v_made
           -- Only the tables lacking it are known here (an install that compares the tables
           -- changed since the last one is given those alone).
           THEN format('%s on %s (%s): its copy on %s table(s) that lack one', v_ix.name, p_parent, array_to_string(v_ix.columns, ', '),
                       cardinality(v_lacking) + cardinality(v_lacking_others))
           ELSE format('%s on %s (%s), with copies on %s partition(s)%s', v_ix.name, p_parent, array_to_string(v_ix.columns, ', '),
                       coalesce(cardinality(v_tables), 0),
                       CASE WHEN cardinality(v_others) > 0 THEN format(' and %s detached or archived table(s)', cardinality(v_others)) ELSE '' END) END
        || CASE WHEN cardinality(v_taken) > 0
                THEN format('; not on %s: the copy''s name is taken by another object (check() names it)',
                            (SELECT string_agg(t::text, ', ') FROM unnest(v_taken) t)) ELSE '' END,
      CASE WHEN v_made THEN NULL ELSE parting._locks(ARRAY[p_parent], 'SHARE') END,
      CASE WHEN v_made THEN 'none in the transaction' ELSE format('SHARE on %s (catalog only)', p_parent) END
        || '; psql -f install.sql: SHARE on each partition while its copy builds (its writers wait); '
        || 'pgpart apply: CONCURRENTLY afterwards, no writer waits',
      CASE WHEN v_made THEN '{}'::text[]
           ELSE ARRAY[format('CREATE INDEX %I ON ONLY %s USING %I (%s)', v_ix.name, p_parent, v_ix.method,
                             (SELECT string_agg(format('%I', c), ', ') FROM unnest(v_ix.columns) AS c))] END,
      v_inline, parting._locks(v_lacking || v_lacking_others, 'SHARE'), v_later);
  END LOOP;
END;
$$;
