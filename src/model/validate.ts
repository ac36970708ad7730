/**
 * config → Project. Parses the config with the zod schema, then checks what needs the whole
 * config (references, cycles, column types, name clashes) and normalizes each model:
 * strategy, keys fitted to partitioning, dependents' added columns, index names.
 * Every problem is collected and reported together, each with its path.
 */
import { configSchema, type Config, type ModelConfig } from '../config/schema.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { definitionProblem, parseColumn, readColumn } from './columns.js';
import { dependentDistribution, rootDistribution, type Distribution } from './distribution.js';
import { INSTALL_LOCK_BUDGET, familyLoads } from './install-size.js';
import { listKeyProblem, shownKey } from './keys.js';
import { MAX_IDENTIFIER_BYTES, byteLength, indexTag, pgName } from './names.js';
import {
  MAX_KEEP_PARTITIONS, MAX_KEEP_YEARS, SUPPORTED_INTERVALS, isIntegerType, isTextType, isTimeType, isTimeZone, parseInterval, parseKeep,
} from './strategy.js';
import type { Column, FamilyLink, IndexSpec, Model, Project, RangeStrategy, Strategy } from './types.js';

type Issues = ConfigIssue[];

export function validate(input: unknown): Project {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      // A bad record key (a model or column name): say what is wrong with the name itself.
      message: i.code === 'invalid_key' ? `invalid name: ${i.issues.map((k) => k.message).join('; ')}` : i.message,
    })));
  }
  const config = parsed.data;
  const issues: Issues = [];
  if (!isTimeZone(config.timezone)) issues.push({ path: ['timezone'], message: `unknown time zone "${config.timezone}"` });
  checkArchiveSchema(config, issues);
  const keep = parseKeep(config.historyKeep);
  if (!keep) issues.push({ path: ['historyKeep'], message: `${JSON.stringify(config.historyKeep)} is not a duration such as '30 days' or '6 months'` });
  // Each maintenance run reads it as an interval: past this it is a typo, and a value past
  // the interval type's range would fail every run's history pruning.
  else if (keep.tooLong) issues.push({ path: ['historyKeep'], message: `${JSON.stringify(config.historyKeep)} is longer than ${MAX_KEEP_YEARS} years, the longest historyKeep pgpart accepts` });
  const order = familyOrder(config, issues);
  const models = new Map<string, Model>();
  if (!issues.length) {
    for (const name of order) {
      const m = normalizeModel(config, name, models, issues);
      if (m) models.set(name, m);
    }
    checkTableNames(config, issues);
    checkDrop(config, issues);
    if (!issues.length) checkInstallSize([...models.values()], issues);
  }
  if (issues.length) throw new ConfigError(issues);
  return {
    schema: config.schema,
    models: order.map((n) => models.get(n)!),
    schedule: config.schedule ?? null,
    settings: {
      lockTimeout: config.lockTimeout,
      lockTries: config.lockTries,
      archiveSchema: config.archiveSchema,
      drainBatch: config.drainBatch,
      catchUp: config.catchUp,
      historyKeep: parseKeep(config.historyKeep)!.interval,
      analyze: config.analyze,
    },
    drop: { models: config.drop.models, columns: config.drop.columns },
  };
}

/** `drop` names what is gone from the config: a model still in `models`, or a column still in its model, is a contradiction. */
function checkDrop(config: Config, issues: Issues): void {
  config.drop.models.forEach((name, i) => {
    if (config.models[name]) {
      issues.push({ path: ['drop', 'models', i], message: `"${name}" is still a model in models: remove it from models to drop it, or from drop.models to keep it` });
    }
  });
  for (const [name, cols] of Object.entries(config.drop.columns)) {
    const m = config.models[name];
    if (!m) {
      issues.push({ path: ['drop', 'columns', name], message: `"${name}" is not a model in models (models: ${Object.keys(config.models).join(', ')}); a dropped model's columns go with it` });
      continue;
    }
    cols.forEach((col, i) => {
      if (col in m.columns) {
        issues.push({ path: ['drop', 'columns', name, i], message: `"${col}" is still a column of ${name}: remove it from models.${name}.columns to drop it` });
      }
    });
  }
}

/** Roots first, then dependents by depth; refuses unknown references and cycles. */
function familyOrder(config: Config, issues: Issues): string[] {
  const names = Object.keys(config.models);
  const parentOf = new Map<string, string>();
  for (const [name, m] of Object.entries(config.models)) {
    const at = ['models', name];
    if (!m.partition === !m.partitionForeignKey) {
      issues.push({ path: at, message: 'needs exactly one of partition (its own strategy) or partitionForeignKey (lockstep with another model)' });
      continue;
    }
    const ref = m.partitionForeignKey?.references;
    if (ref === undefined) continue;
    if (!config.models[ref]) {
      issues.push({ path: [...at, 'partitionForeignKey', 'references'], message: `unknown model "${ref}" (models: ${names.join(', ')})` });
    } else {
      parentOf.set(name, ref);
    }
  }
  const depth = new Map<string, number>();
  const rootOf = new Map<string, string>();
  for (const name of names) {
    const chain = [name];
    let cur = name;
    while (parentOf.has(cur)) {
      cur = parentOf.get(cur)!;
      if (chain.includes(cur)) {
        if (cur === name) {
          issues.push({ path: ['models', name, 'partitionForeignKey', 'references'], message: `a cycle of partition foreign keys: ${[...chain, cur].join(' → ')}` });
        }
        break;
      }
      chain.push(cur);
    }
    depth.set(name, chain.length - 1);
    rootOf.set(name, cur);
  }
  const roots = names.filter((n) => !parentOf.has(n));
  return [...names].sort((a, b) =>
    roots.indexOf(rootOf.get(a)!) - roots.indexOf(rootOf.get(b)!) || depth.get(a)! - depth.get(b)! || names.indexOf(a) - names.indexOf(b));
}

function normalizeModel(config: Config, name: string, done: Map<string, Model>, issues: Issues): Model | null {
  const m = config.models[name]!;
  const at = ['models', name];
  const table = m.table ?? name;
  const before = issues.length;
  const columns: Column[] = [];
  for (const [col, def] of Object.entries(m.columns)) {
    const read = definitionProblem(col, def);
    if (read.problem) issues.push({ path: [...at, 'columns', col], message: `definition ${JSON.stringify(def)} ${read.problem}` });
    columns.push(parseColumn(col, def, read.column));
  }
  const written = new Map(columns.map((c) => [c.name, c.definition]));
  const notes: string[] = [];
  let strategy: Strategy | null;
  let link: FamilyLink | null = null;
  let root = name;
  let distribution: Distribution = null;
  if (m.partition) {
    strategy = ownStrategy(config, name, m, columns, notes, issues);
    distribution = rootDistribution(name, m, columns, issues);
  } else {
    const parent = done.get(m.partitionForeignKey!.references);
    if (!parent) return null; // the parent failed validation; its issues say why
    root = parent.root;
    link = linkTo(name, m, parent, columns, notes, issues);
    strategy = link ? { ...parent.strategy, column: link.keyColumn, ...(parent.strategy.kind === 'list' ? { initial: [] } : { initial: false }) } as Strategy : null;
    if (link) distribution = dependentDistribution(name, m, parent, link, issues);
  }
  const colNames = columns.map((c) => c.name);
  const checkCols = (cols: string[], path: (string | number)[]) => {
    for (const c of cols) {
      if (!colNames.includes(c)) issues.push({ path, message: `"${c}" is not a column of ${name} (columns: ${colNames.join(', ')})` });
    }
  };
  if (m.primaryKey) checkCols(m.primaryKey, [...at, 'primaryKey']);
  m.unique.forEach((u, i) => checkCols(u, [...at, 'unique', i]));
  m.indexes.forEach((x, i) => checkCols(x.columns, [...at, 'indexes', i, 'columns']));
  // Definitions pgpart wrote or changed (a dependent's added columns, typed like the parent's;
  // a partition key made NOT NULL) reach SQL as text too: they must read as one column as well.
  if (issues.length === before) {
    for (const c of columns.filter((c) => written.get(c.name) !== c.definition)) {
      const read = readColumn(c.name, c.definition);
      if (read.problem !== undefined) {
        const path = written.has(c.name) ? [...at, 'columns', c.name] : [...at, 'partitionForeignKey'];
        issues.push({ path, message: `the definition pgpart derives for column ${c.name}, ${JSON.stringify(c.definition)}, ${read.problem}` });
      }
    }
  }
  if (issues.length > before || !strategy) return null;

  const indexes = indexesFor(name, table, m, strategy.column, distribution?.column ?? null, link, notes);
  return {
    name, schema: config.schema, table, columns, strategy, root, link,
    familyOrder: [...done.values()].filter((d) => d.root === root).length,
    indexes,
    referenceKey: m.primaryKey ?? null,
    tablespace: m.tablespace ?? null,
    archiveTablespace: m.archiveTablespace ?? null,
    detachTablespace: m.detachTablespace ?? null,
    notes,
    distribution,
  };
}

function ownStrategy(config: Config, name: string, m: ModelConfig, columns: Column[], notes: string[], issues: Issues): Strategy | null {
  const p = m.partition!;
  const at = ['models', name, 'partition'];
  const col = columns.find((c) => c.name === p.column);
  if (!col) {
    issues.push({ path: [...at, 'column'], message: `"${p.column}" is not a column of ${name} (columns: ${columns.map((c) => c.name).join(', ')})` });
    return null;
  }
  if (!col.notNull) {
    // A NULL key has no partition to go to; make that a NOT NULL error at insert, and say so.
    col.definition = `${col.definition} not null`;
    col.notNull = true;
    notes.push(`${name}.${col.name}: made not null, because it is the partition key`);
  }
  if (p.by === 'list') {
    const keyType = isTextType(col.type) ? 'text' : isIntegerType(col.type) ? 'integer' : null;
    if (!keyType) {
      issues.push({ path: [...at, 'column'], message: `column "${col.name}" is ${col.type}; list partitioning needs a text or integer column` });
      return null;
    }
    const initial = p.initial.map(String);
    p.initial.forEach((k) => {
      const problem = listKeyProblem(k, keyType, col.type);
      if (problem) issues.push({ path: [...at, 'initial'], message: `key ${shownKey(k)} ${problem}` });
    });
    return { kind: 'list', column: col.name, keyType, initial, default: p.default };
  }
  const premake = p.premake ?? config.premake;
  const timezone = p.timezone ?? config.timezone;
  if (p.timezone !== undefined && !isTimeZone(p.timezone)) issues.push({ path: [...at, 'timezone'], message: `unknown time zone "${p.timezone}"` });
  if (isTimeType(col.type)) {
    const unit = typeof p.interval === 'string' ? parseInterval(p.interval) : null;
    if (!unit) {
      issues.push({ path: [...at, 'interval'], message: `unsupported interval ${JSON.stringify(p.interval)} for a ${col.type} column (supported: ${SUPPORTED_INTERVALS})` });
      return null;
    }
    if (unit === 'hour' && col.type === 'date') {
      issues.push({ path: [...at, 'interval'], message: 'hourly partitions need a timestamp or timestamptz column, not date' });
      return null;
    }
    const ages = agesOf(p, at, issues, (v, path, what) => {
      const keep = typeof v === 'string' ? parseKeep(v) : null;
      if (!keep) issues.push({ path, message: `${JSON.stringify(v)} is not a duration such as '12 months' or '90 days'` });
      else if (keep.tooLong) issues.push({ path, message: `${JSON.stringify(v)} is longer than ${MAX_KEEP_YEARS} years, the longest ${what} pgpart accepts` });
      else return { text: keep.interval, size: keep.days };
      return null;
    });
    return { kind: 'range', column: col.name, keyType: col.type, unit, width: null, timezone, premake, initial: p.initial, default: p.default, ...ages };
  }
  if (isIntegerType(col.type)) {
    if (typeof p.interval !== 'number' || !Number.isSafeInteger(p.interval) || p.interval < 1) {
      issues.push({ path: [...at, 'interval'], message: `an integer column needs a positive integer width, got ${JSON.stringify(p.interval)}` });
      return null;
    }
    const ages = agesOf(p, at, issues, (k, path, what) => {
      const says = what === 'keep' ? 'an integer range keeps' : `an integer range's ${what} counts`;
      if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) issues.push({ path, message: `${says} a positive whole number of partitions, got ${JSON.stringify(k)}` });
      else if (k > MAX_KEEP_PARTITIONS) issues.push({ path, message: `${says} at most ${MAX_KEEP_PARTITIONS} partitions, got ${k}` });
      else return { text: String(k), size: k };
      return null;
    });
    return { kind: 'range', column: col.name, keyType: 'integer', unit: null, width: p.interval, timezone, premake, initial: p.initial, default: p.default, ...ages };
  }
  issues.push({ path: [...at, 'column'], message: `column "${col.name}" is ${col.type}; range partitioning needs timestamptz, timestamp, date, smallint, integer or bigint` });
  return null;
}

type RangeConfig = Extract<NonNullable<ModelConfig['partition']>, { by: 'range' }>;
type Age = { text: string; size: number } | null;

/**
 * A range model's ages, each parsed by `parse` (durations for time keys, partition counts
 * for integer keys): retention keep and dropAfter, and the tiers' moveAfter. Tiers must
 * grow older one after the other and end before keep (a partition is retired there), and
 * dropAfter must come after keep and needs something kept to drop.
 */
function agesOf(p: RangeConfig, at: (string | number)[], issues: Issues,
  parse: (v: string | number, path: (string | number)[], what: string) => Age): Pick<RangeStrategy, 'retention' | 'tiers'> {
  let retention: RangeStrategy['retention'] = null;
  let keep: Age = null;
  if (p.retention) {
    const path = [...at, 'retention'];
    keep = parse(p.retention.keep, [...path, 'keep'], 'keep');
    let dropAfter: Age = null;
    if (p.retention.dropAfter !== undefined) {
      dropAfter = parse(p.retention.dropAfter, [...path, 'dropAfter'], 'dropAfter');
      if (dropAfter && p.retention.action === 'drop') {
        issues.push({ path: [...path, 'dropAfter'], message: "action 'drop' drops partitions at keep already: dropAfter is for 'detach' or 'archive'" });
      } else if (dropAfter && keep && dropAfter.size <= keep.size) {
        issues.push({ path: [...path, 'dropAfter'], message: `${JSON.stringify(p.retention.dropAfter)} must be longer than keep (${JSON.stringify(p.retention.keep)}): tables are dropped after they are retired` });
      }
    }
    if (keep) retention = { keep: keep.text, action: p.retention.action, dropAfter: dropAfter?.text ?? null };
  }
  const tiers: RangeStrategy['tiers'] = [];
  let last: Age = null;
  p.tiers.forEach((t, i) => {
    const path = [...at, 'tiers', i, 'moveAfter'];
    const age = parse(t.moveAfter, path, 'moveAfter');
    if (!age) return;
    if (last && age.size <= last.size) issues.push({ path, message: `${JSON.stringify(t.moveAfter)} must be older than the tier before it: list tiers youngest first` });
    else if (keep && age.size >= keep.size) issues.push({ path, message: `${JSON.stringify(t.moveAfter)} is not younger than retention keep (${JSON.stringify(p.retention!.keep)}): partitions are retired before they reach this tier` });
    last = age;
    tiers.push({ moveAfter: age.text, tablespace: t.tablespace });
  });
  return { retention, tiers };
}

/** Adds the dependent's foreign-key and key columns and describes its link to the parent. */
function linkTo(name: string, m: ModelConfig, parent: Model, columns: Column[], notes: string[], issues: Issues): FamilyLink | null {
  const fk = m.partitionForeignKey!;
  const at = ['models', name, 'partitionForeignKey'];
  const refColumns = parent.referenceKey;
  if (!refColumns) {
    issues.push({ path: [...at, 'references'], message: `model "${parent.name}" has no primaryKey for the partition foreign key to reference` });
    return null;
  }
  const fkColumns = typeof fk.column === 'string' ? [fk.column] : fk.column;
  if (fkColumns.length !== refColumns.length) {
    issues.push({ path: [...at, 'column'], message: `${parent.name}'s primary key is (${refColumns.join(', ')}): give ${refColumns.length} column(s), got ${fkColumns.length}` });
    return null;
  }
  const keyAt = refColumns.indexOf(parent.strategy.column);
  const keyColumn = keyAt >= 0 ? fkColumns[keyAt]! : fk.keyColumn ?? `${parent.name}_${parent.strategy.column}`;
  // The default name is derived, and PostgreSQL would cut one past 63 bytes short without a
  // word: the table would get another column than the config names, and every later install
  // would refuse the difference. Refused rather than shortened by the hash rule (as index
  // names are), because the application writes this column and should know its name.
  if (byteLength(keyColumn) > MAX_IDENTIFIER_BYTES) {
    issues.push({
      path: [...at, 'keyColumn'],
      message: `the key column's default name ${keyColumn} (<references>_<its partition column>) is ${byteLength(keyColumn)} bytes long, `
        + `and PostgreSQL cuts names past ${MAX_IDENTIFIER_BYTES} bytes short: set partitionForeignKey.keyColumn to a name of at most ${MAX_IDENTIFIER_BYTES} bytes`,
    });
    return null;
  }
  const nullable = fk.onDelete === 'set null';
  const wanted: [string, Column][] = fkColumns.map((c, i) => [c, typed(parent, refColumns[i]!, !nullable || c === keyColumn)]);
  if (keyAt < 0) wanted.push([keyColumn, typed(parent, parent.strategy.column, true)]);
  for (const [col, like] of wanted) {
    const have = columns.find((c) => c.name === col);
    if (!have) {
      columns.push({ ...like, name: col });
      notes.push(`${name}.${col} ${like.definition}: added to reference ${parent.name}.${col === keyColumn ? parent.strategy.column : refColumns[fkColumns.indexOf(col)]}`);
    } else if (have.type !== like.type) {
      issues.push({ path: ['models', name, 'columns', col], message: `is ${have.type} but must be ${like.type} to match ${parent.name}` });
    }
  }
  const tag = indexTag(fkColumns, 'fkey');
  return { references: parent.name, columns: fkColumns, refColumns, keyColumn, onDelete: fk.onDelete, tag };
}

function typed(parent: Model, column: string, notNull: boolean): Column {
  const type = parent.columns.find((c) => c.name === column)!.type;
  return { name: column, type, definition: notNull ? `${type} not null` : type, identity: false, generated: false, notNull };
}

/**
 * The model's keys and indexes on every partition. PostgreSQL needs the partition key in a
 * partitioned table's primary key and unique constraints, and Citus the distribution column
 * (`dist`, on a distributed model) too: pgpart adds what is missing, says so, and keeps the
 * declared columns unique within each partition (and each distribution value) by an index
 * there.
 */
function indexesFor(name: string, table: string, m: ModelConfig, key: string, dist: string | null, link: FamilyLink | null, notes: string[]): IndexSpec[] {
  const out: IndexSpec[] = [];
  const tags = new Set<string>();
  const add = (spec: Omit<IndexSpec, 'name'>) => {
    let tag = spec.tag;
    if (tags.has(tag)) tag = `${tag}_${spec.using}`;
    for (let n = 2; tags.has(tag); n++) tag = `${spec.tag}${n}`;
    tags.add(tag);
    out.push({ ...spec, tag, name: spec.kind === 'local_unique' ? '' : pgName(table, tag) });
  };
  const keyed = (cols: string[], kind: 'primary' | 'unique', what: string) => {
    const suffix = kind === 'primary' ? 'pkey' : 'key';
    const distMissing = dist !== null && !cols.includes(dist);
    if (cols.includes(key) && !distMissing) {
      add({ kind, columns: cols, using: 'btree', tag: indexTag(cols, suffix) });
      return;
    }
    const wide = [...cols, ...(cols.includes(key) ? [] : [key]), ...(distMissing ? [dist] : [])];
    add({ kind, columns: wide, using: 'btree', tag: indexTag(wide, suffix) });
    if (!cols.includes(key)) {
      const local = distMissing ? [...cols, dist] : cols;
      add({ kind: 'local_unique', columns: local, using: 'btree', tag: indexTag(local, 'uniq') });
      notes.push(distMissing
        ? `${name}: ${what} (${cols.join(', ')}) becomes (${wide.join(', ')}) because PostgreSQL requires the partition key in it and Citus the distribution column ${dist}; `
          + `a unique index on (${local.join(', ')}) in each partition keeps it unique within that partition and distribution value (not across them)`
        : `${name}: ${what} (${cols.join(', ')}) becomes (${wide.join(', ')}) because PostgreSQL requires the partition key in it; `
          + `a unique index on (${cols.join(', ')}) in each partition keeps it unique within that partition (not across partitions)`);
    } else {
      notes.push(`${name}: ${what} (${cols.join(', ')}) becomes (${wide.join(', ')}) because Citus requires the distribution column in it; `
        + `it is unique within each value of ${dist} (not across them)`);
    }
  };
  if (m.primaryKey) keyed(m.primaryKey, 'primary', 'primary key');
  m.unique.forEach((u) => keyed(u, 'unique', 'unique constraint'));
  for (const x of m.indexes) add({ kind: 'index', columns: x.columns, using: x.using ?? 'btree', tag: indexTag(x.columns, 'idx') });
  if (link && !out.some((i) => i.columns.slice(0, link.columns.length).join() === link.columns.join())) {
    add({ kind: 'index', columns: link.columns, using: 'btree', tag: indexTag(link.columns, 'idx') });
  }
  return out;
}

/** Archive tables are `<archiveSchema>.<table>`: that schema cannot be the models' own, nor the runtime's. */
function checkArchiveSchema(config: Config, issues: Issues): void {
  const archiving = Object.entries(config.models).filter(([, m]) => m.partition?.by === 'range' && m.partition.retention?.action === 'archive');
  if (!archiving.length) return;
  const clash = config.archiveSchema === config.schema ? "the models' schema" : config.archiveSchema === 'parting' ? "pgpart's runtime schema" : null;
  if (clash) {
    const [name, m] = archiving[0]!;
    issues.push({ path: ['archiveSchema'], message: `"${config.archiveSchema}" is ${clash}: ${name} archives to ${config.archiveSchema}.${m.table ?? name}; choose another schema` });
  }
}

function checkTableNames(config: Config, issues: Issues): void {
  const seen = new Map<string, string>();
  for (const [name, m] of Object.entries(config.models)) {
    const table = m.table ?? name;
    const other = seen.get(table);
    if (other) issues.push({ path: ['models', name, 'table'], message: `models ${other} and ${name} would both use the table name ${config.schema}.${table}` });
    seen.set(table, name);
  }
}

/**
 * The initial partitions of every family are made in install.sql's one transaction, each
 * table and index locked until it commits: refuse more than PostgreSQL's default lock table
 * holds (see install-size.ts), at the family that asks for the most, with what would fit.
 */
function checkInstallSize(models: Model[], issues: Issues): void {
  const loads = familyLoads(models);
  const total = loads.reduce((n, f) => n + f.objects, 0);
  if (total <= INSTALL_LOCK_BUDGET) return;
  const big = loads.reduce((a, b) => (b.objects > a.objects ? b : a));
  const s = big.root.strategy;
  const others = total - big.objects;
  const fits = Math.max(0, Math.floor((INSTALL_LOCK_BUDGET - others) / big.perPartition));
  const family = big.members.length > 1 ? `${big.root.name}'s family (${big.members.map((m) => m.name).join(', ')})` : big.root.name;
  const what = `install.sql would make ${big.partitions} partition(s) of ${family} in its one transaction`
    + `${loads.length > 1 && others > 0 ? ', with the other families\' initial partitions' : ''}, locking about ${total} tables and indexes until it commits; `
    + `PostgreSQL's lock table holds ${INSTALL_LOCK_BUDGET} or so with its default settings (max_locks_per_transaction 64 × max_connections 100), `
    + 'and the install would fail with "out of shared memory"';
  const at = ['models', big.root.name, 'partition'];
  if (s.kind === 'list') {
    issues.push({ path: [...at, 'initial'], message: `${what}: list at most ${Math.max(0, fits - (s.default ? 1 : 0))} keys here, and make the others with parting.ensure_partition after the install` });
  } else {
    issues.push({ path: [...at, 'premake'], message: `${what}: premake at most ${Math.max(0, fits - 1 - (s.default ? 1 : 0))} for this family, `
      + 'or initial: false, and run_maintenance makes them, one transaction each' });
  }
}
