-- Of the given tables of a family, those that lack their copy of a model index, in the order
-- given: the tables for which parting._index_build has something to do. A table has its
-- copy when an index named by pgpart's rule (parting._name(<table>, <tag>)) is on it, valid,
-- a plain index of the method on exactly these columns (parting._index_matches' rule), and,
-- when p_parent_index is given, attached to that index (which need not exist yet: then
-- every table lacks it). One query over the catalog for the whole family, so that an
-- install or a plan finds the few tables that need a build without asking once per
-- partition; only those reach the per-table routine. A copy attached to a parent index that
-- is itself what the config says has the parent's definition (PostgreSQL attaches only an
-- equivalent index, and a table has at most one copy attached to it): such a table has its
-- copy, whatever the copy is named (check() reports a name that is not pgpart's), and the
-- tables lacking one are found by an index lookup each among the given tables' indexes (not
-- by reading every copy attached to the parent's index: an install that compares only the
-- few tables made since then costs what they cost, whatever the partition count).
CREATE OR REPLACE FUNCTION parting._index_lacking(p_parent_index text, p_tables regclass[], p_tag text, p_columns text[],
                                                 p_method text)
RETURNS SETOF regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH parent AS MATERIALIZED (
    SELECT p.ix, p.ix IS NOT NULL AND parting._index_matches(p.ix, p_columns, p_method) AS ok
      FROM (SELECT CASE WHEN p_parent_index IS NOT NULL THEN to_regclass(p_parent_index) END AS ix) p)
  SELECT t.rel
    FROM unnest(p_tables) WITH ORDINALITY AS t(rel, n)
   CROSS JOIN parent
   WHERE parent.ok AND NOT EXISTS (SELECT FROM pg_index x JOIN pg_inherits i ON i.inhrelid = x.indexrelid
                                    WHERE x.indrelid = t.rel AND i.inhparent = parent.ix AND x.indisvalid)
      OR NOT parent.ok AND NOT EXISTS (
           SELECT FROM pg_class r
             JOIN pg_index x ON x.indrelid = r.oid
             JOIN pg_class c ON c.oid = x.indexrelid
            WHERE r.oid = t.rel AND c.relnamespace = r.relnamespace
              AND c.relname = parting._name(r.relname::text, p_tag)
              AND x.indisvalid AND NOT x.indisunique AND x.indexprs IS NULL AND x.indpred IS NULL
              AND (SELECT a.amname FROM pg_am a WHERE a.oid = c.relam) = p_method
              AND ARRAY(SELECT att.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                          JOIN pg_attribute att ON att.attrelid = x.indrelid AND att.attnum = k.attnum
                         ORDER BY k.n) = p_columns
              AND (p_parent_index IS NULL
                   OR EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid AND i.inhparent = parent.ix)))
   ORDER BY t.n
$$;
