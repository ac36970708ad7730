-- The runtime's first tables: which revision and config a database runs, the compiled
-- models the generic functions read (one row per model), and what the runtime did.
CREATE SCHEMA parting;

-- One row: which pgpart revision and config this database runs.
CREATE TABLE parting.meta (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  schema_revision integer NOT NULL,
  version         text NOT NULL,
  config_hash     text NOT NULL,
  installed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per model: the compiled model the generic functions read, so the runtime's
-- code is the same for every model.
CREATE TABLE parting.config (
  model             text PRIMARY KEY,
  schema_name       text NOT NULL,
  table_name        text NOT NULL,
  root_model        text NOT NULL,
  parent_model      text REFERENCES parting.config (model) DEFERRABLE INITIALLY DEFERRED,
  family_order      integer NOT NULL,
  strategy          text NOT NULL CHECK (strategy IN ('range', 'list')),
  key_column        text NOT NULL,
  key_type          text NOT NULL CHECK (key_type IN ('timestamptz', 'timestamp', 'date', 'integer', 'text')),
  unit              text CHECK (unit IN ('hour', 'day', 'week', 'month', 'quarter', 'year')),
  width             bigint CHECK (width > 0),
  timezone          text,
  premake           integer NOT NULL DEFAULT 0 CHECK (premake BETWEEN 0 AND 1000),
  retention_keep    text,
  retention_action  text CHECK (retention_action IN ('detach', 'archive', 'drop')),
  default_partition boolean NOT NULL DEFAULT false,
  fk_columns        text[],
  ref_columns       text[],
  fk_tag            text,
  on_delete         text CHECK (on_delete IN ('no action', 'restrict', 'cascade', 'set null')),
  indexes           jsonb NOT NULL DEFAULT '[]',
  tablespace        text,
  archive_tablespace text,
  lock_timeout      text NOT NULL DEFAULT '2s',
  UNIQUE (schema_name, table_name),
  CHECK ((parent_model IS NULL) = (fk_columns IS NULL))
);

-- Everything the runtime did, one row per step.
CREATE TABLE parting.history (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  model     text NOT NULL,
  partition text,
  action    text NOT NULL,
  detail    jsonb,
  duration  interval
);
CREATE INDEX history_model_at_idx ON parting.history (model, at);
