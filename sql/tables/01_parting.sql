-- The runtime's own tables. Created once, never dropped by an upgrade; later revisions
-- add columns with ADD COLUMN IF NOT EXISTS below the CREATE.
CREATE SCHEMA IF NOT EXISTS parting;

-- One row: which pgpart revision and config this database runs.
CREATE TABLE IF NOT EXISTS parting.meta (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  schema_revision integer NOT NULL,
  version         text NOT NULL,
  config_hash     text NOT NULL,
  installed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per model: the compiled model the generic functions read (the runtime is generic and data-driven).
CREATE TABLE IF NOT EXISTS parting.config (
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
CREATE TABLE IF NOT EXISTS parting.history (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  model     text NOT NULL,
  partition text,
  action    text NOT NULL,
  detail    jsonb,
  duration  interval
);
CREATE INDEX IF NOT EXISTS history_model_at_idx ON parting.history (model, at);

-- Revision 2 (maintenance): where archived partitions go, how many default-partition rows
-- move per transaction, how many times a lock is asked for before a step gives up.
ALTER TABLE parting.config ADD COLUMN IF NOT EXISTS archive_schema text NOT NULL DEFAULT 'archive';
ALTER TABLE parting.config ADD COLUMN IF NOT EXISTS drain_batch integer NOT NULL DEFAULT 10000 CHECK (drain_batch > 0);
ALTER TABLE parting.config ADD COLUMN IF NOT EXISTS lock_tries integer NOT NULL DEFAULT 5 CHECK (lock_tries BETWEEN 1 AND 100);

-- Partitions that exist as tables but are not attached to their model's parent: detached
-- (retention or by hand), archived (attached to the archive table instead), filling
-- (a new partition receiving default-partition rows in batches, attached when the last
-- batch moves), or detaching (`pgpart maintain` is detaching it CONCURRENTLY, which
-- takes two transactions of its own). The catalog cannot say which model and key a detached table belongs to;
-- this table does, and parting.partitions() shows only rows whose table still exists.
CREATE TABLE IF NOT EXISTS parting.offline (
  model       text NOT NULL,
  suffix      text NOT NULL,
  schema_name text NOT NULL,
  table_name  text NOT NULL,
  lower       text,
  upper       text,
  state       text NOT NULL CHECK (state IN ('detached', 'archived', 'filling', 'detaching')),
  since       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, suffix)
);

-- Retired in revision 2: replaced by parting._lock.
DROP FUNCTION IF EXISTS parting._exec(text, text, integer);
DROP FUNCTION IF EXISTS parting._create_partition(parting.config, text, text, text, boolean);
DROP FUNCTION IF EXISTS parting._create_family(parting.config, text, boolean);
