-- The statements (for a capture trigger's body) that move the shadow rows of a member's
-- descendants from the old key (v_old_key) to the new one (v_key) when one of its rows
-- changes key: its children are those referencing the old row (OLD.<ref columns>) at the
-- old key, its grandchildren those referencing such children (found again at the new key,
-- where they now are), and so on, parents first. NULL when the member has no descendants.
CREATE OR REPLACE FUNCTION parting._adopt_moves(p_a parting.adoption, p_model text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_out text := '';
  v_d jsonb;
  v_path jsonb := '{}';   -- model -> its rows' predicate at the new key, over its alias
  v_pred text;
  v_parent jsonb;
  v_n integer := 0;
BEGIN
  FOR v_d IN SELECT m FROM jsonb_array_elements(p_a.members) m WHERE m #>> '{config,parent_model}' IS NOT NULL LOOP
    v_parent := (SELECT m FROM jsonb_array_elements(p_a.members) m WHERE m #>> '{config,model}' = v_d #>> '{config,parent_model}');
    IF v_parent #>> '{config,model}' = p_model THEN
      v_pred := (SELECT string_agg(format('%%1$s.%I = OLD.%I', f, r), ' AND ')
                   FROM jsonb_array_elements_text(v_d -> 'config' -> 'fk_columns') WITH ORDINALITY x(f, n)
                   JOIN jsonb_array_elements_text(v_d -> 'config' -> 'ref_columns') WITH ORDINALITY y(r, n2) ON n2 = n);
    ELSIF v_path ? (v_parent #>> '{config,model}') THEN
      v_n := v_n + 1;
      v_pred := format('(%s) IN (SELECT %s FROM %I.%I p%s WHERE p%s.%I = v_key AND %s)',
                       (SELECT string_agg(format('%%1$s.%I', f), ', ') FROM jsonb_array_elements_text(v_d -> 'config' -> 'fk_columns') f),
                       (SELECT string_agg(format('p%s.%I', v_n, r), ', ') FROM jsonb_array_elements_text(v_d -> 'config' -> 'ref_columns') r),
                       p_a.shadow_schema, v_parent #>> '{config,table_name}', v_n, v_n, v_parent #>> '{config,key_column}',
                       format(v_path ->> (v_parent #>> '{config,model}'), 'p' || v_n));
    ELSE
      CONTINUE;
    END IF;
    v_path := v_path || jsonb_build_object(v_d #>> '{config,model}', v_pred);
    v_out := v_out || format(E'UPDATE %I.%I x SET %I = v_key WHERE x.%I = v_old_key AND %s;\n        ',
                             p_a.shadow_schema, v_d #>> '{config,table_name}', v_d #>> '{config,key_column}',
                             v_d #>> '{config,key_column}', format(v_pred, 'x'));
  END LOOP;
  RETURN nullif(v_out, '');
END;
$$;
