-- Adoptions in progress (`pgpart adopt`): one row per family being adopted, by its root
-- model, saying how far it got, so each step is one short transaction and a killed
-- adoption resumes (or is aborted) from here. The shadow family is made in its own schema
-- (shadow_schema) under the config's names, and the old tables wait in retired_schema
-- after the swap until the adoption is finished.
CREATE TABLE parting.adoption (
  model          text PRIMARY KEY,
  phase          text NOT NULL CHECK (phase IN ('copying', 'copied', 'verified', 'swapped')),
  schema_name    text NOT NULL,
  shadow_schema  text NOT NULL,
  retired_schema text NOT NULL,
  -- The family's model documents, as install.sql carries them, parents first.
  members        jsonb NOT NULL,
  -- Per member: rows copied, rows to copy (statistics), the last primary key copied, done.
  progress       jsonb NOT NULL DEFAULT '{}',
  -- Foreign keys re-pointed at the swap, NOT VALID, to validate after it.
  to_validate    jsonb NOT NULL DEFAULT '[]',
  started_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Every partition of an adoption's shadow family, by its suffix and bounds (adopt_verify
-- groups rows by them), and each dependent partition's lockstep foreign key, held back
-- until the swap (on the old tables a parent's key may move under its dependents while
-- writers run, and the shadow, which follows every write, must take that too). Rows only
-- added, by whichever transaction makes a partition (a capture trigger's too), so they
-- never wait for each other or for the adoption's row.
CREATE TABLE parting.adoption_partition (
  model  text NOT NULL REFERENCES parting.adoption (model) ON DELETE CASCADE,
  suffix text NOT NULL,
  lower  text,
  upper  text,
  PRIMARY KEY (model, suffix)
);
CREATE TABLE parting.adoption_foreign_key (
  model      text NOT NULL REFERENCES parting.adoption (model) ON DELETE CASCADE,
  table_name text NOT NULL,
  name       text NOT NULL,
  definition text NOT NULL,
  PRIMARY KEY (model, table_name, name)
);

-- 'adopted': a step of an adoption (start, swap, finish, abort; its detail says which).
ALTER TABLE parting.history DROP CONSTRAINT history_action_check;
ALTER TABLE parting.history ADD CONSTRAINT history_action_check CHECK (action IN (
  'created', 'moved', 'attached', 'detached', 'archived', 'dropped', 'forgotten', 'quarantined',
  'analyzed', 'maintained', 'reconciled', 'repaired', 'failed', 'skipped', 'adopted')) NOT VALID;
