-- Moves a dependent's rows of one key out of its default partition into its stray table
-- (parting._stray_table) when their parent row is not in the parent's default partition
-- with that key, so no partition of the key could take them; logs how many, as
-- 'quarantined'. Nothing is lost: the rows are there to be looked at and put back by hand.
CREATE OR REPLACE FUNCTION parting._quarantine(p_cfg parting.config, p_default regclass, p_parent_default text,
                                               p_lower text, p_upper text, p_cols text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_ref parting.config := parting._model(p_cfg.parent_model);
  v_found boolean;
  v_n bigint;
  v_stray regclass;
  v_where text;
BEGIN
  IF p_parent_default IS NULL THEN
    RETURN 0;
  END IF;
  v_where := format('%s AND %s AND NOT EXISTS (SELECT FROM (SELECT %s FROM %s WHERE %s) p WHERE (%s) = (%s))',
                    parting._bound_check(p_cfg, p_lower, p_upper),
                    (SELECT string_agg(format('d.%I IS NOT NULL', c), ' AND ') FROM unnest(p_cfg.fk_columns) AS c),
                    (SELECT string_agg(format('%I', c), ', ') FROM unnest(p_cfg.ref_columns) AS c),
                    p_parent_default,
                    parting._bound_check(v_ref, p_lower, p_upper),
                    (SELECT string_agg(format('p.%I', c), ', ') FROM unnest(p_cfg.ref_columns) AS c),
                    (SELECT string_agg(format('d.%I', c), ', ') FROM unnest(p_cfg.fk_columns) AS c));
  EXECUTE format('SELECT EXISTS (SELECT FROM %s d WHERE %s)', p_default, v_where) INTO v_found;
  IF NOT v_found THEN
    RETURN 0;
  END IF;
  v_stray := parting._stray_table(p_cfg);
  EXECUTE format('WITH q AS (DELETE FROM %s d WHERE %s RETURNING %s) INSERT INTO %s (%s, reason) SELECT %s, %L FROM q',
                 p_default, v_where, p_cols, v_stray, p_cols, p_cols,
                 format('in %s with key %s, its parent row not in %s', p_default, p_lower, p_parent_default));
  GET DIAGNOSTICS v_n = ROW_COUNT;
  PERFORM parting._log(p_cfg.model, p_default::text, 'quarantined',
                       jsonb_build_object('rows', v_n, 'into', v_stray::text, 'lower', p_lower, 'upper', p_upper,
                         'why', 'their parent row is in another partition or gone; no partition of this key can take them'));
  RETURN v_n;
END;
$$;
