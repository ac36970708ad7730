-- How a member of an adopted family finds its key among the old tables: the joins from its
-- own table (alias s) up its chain of parents to the root (aliases a1, a2, …, each on the
-- foreign key columns of the one below), the root's key column over them (s's own key
-- column for the root), the aliases (to lock the rows read: FOR SHARE OF), the old table's
-- primary key columns, and the member's columns in the new table's order as expressions
-- over those aliases. The old tables are read in p_schema (the model's schema before the
-- swap). p_members is the family's model documents, parents first.
CREATE OR REPLACE FUNCTION parting._adopt_chain(p_members jsonb, p_model text, p_schema text,
                                                OUT joins text, OUT key_expr text, OUT aliases text[], OUT pk text[],
                                                OUT cols text[], OUT exprs text[], OUT fk text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_m jsonb := (SELECT m FROM jsonb_array_elements(p_members) m WHERE m #>> '{config,model}' = p_model);
  v_cur jsonb := v_m;
  v_p jsonb;
  v_alias text := 's';
  v_next text;
  v_i integer := 0;
  v_rel regclass := to_regclass(format('%I.%I', p_schema, v_m #>> '{config,table_name}'));
BEGIN
  joins := '';
  aliases := ARRAY['s'];
  fk := CASE WHEN jsonb_typeof(v_m #> '{config,fk_columns}') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(v_m #> '{config,fk_columns}')) END;
  WHILE v_cur #>> '{config,parent_model}' IS NOT NULL LOOP
    v_p := (SELECT m FROM jsonb_array_elements(p_members) m WHERE m #>> '{config,model}' = v_cur #>> '{config,parent_model}');
    v_i := v_i + 1;
    v_next := 'a' || v_i;
    joins := joins || format(' JOIN %I.%I %s ON %s', p_schema, v_p #>> '{config,table_name}', v_next,
      (SELECT string_agg(format('%s.%I = %s.%I', v_next, r, v_alias, f), ' AND ')
         FROM jsonb_array_elements_text(v_cur -> 'config' -> 'fk_columns') WITH ORDINALITY x(f, n)
         JOIN jsonb_array_elements_text(v_cur -> 'config' -> 'ref_columns') WITH ORDINALITY y(r, n2) ON n2 = n));
    aliases := aliases || v_next;
    v_alias := v_next;
    v_cur := v_p;
  END LOOP;
  key_expr := format('%s.%I', v_alias, v_cur #>> '{config,key_column}');
  pk := ARRAY(SELECT a.attname::text FROM pg_constraint k CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY u(n, i)
                JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n
               WHERE k.conrelid = v_rel AND k.contype = 'p' ORDER BY u.i);
  cols := ARRAY(SELECT c ->> 'name' FROM jsonb_array_elements(v_m -> 'columns') WITH ORDINALITY x(c, n) ORDER BY n);
  exprs := ARRAY(SELECT CASE WHEN EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = v_rel AND a.attname = c AND NOT a.attisdropped)
                             THEN format('s.%I', c) ELSE key_expr END
                   FROM unnest(cols) WITH ORDINALITY x(c, n) ORDER BY n);
END;
$$;
