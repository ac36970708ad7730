/**
 * Citus: which column distributes each model, and what Citus would refuse, refused here with
 * the fix. A root model declares `distribution: { column }`; each dependent is distributed
 * by the column of its partition foreign key that references the parent's distribution
 * column, and colocated with the root, so every foreign key (the lockstep one, on each
 * partition) joins rows on the same shard. Citus refuses, and so does the build:
 * - a reference table that is partitioned (every pgpart model is);
 * - a foreign key between distributed tables without the distribution column on both sides;
 * - ON DELETE SET NULL on the distribution column;
 * - tablespaces: Citus makes the shards on the workers without them (their tablespaces are
 *   not the coordinator's), so a family cannot be placed or moved by tier;
 * - a DEFAULT partition: draining it locks the rows to move (SELECT … FOR UPDATE over the
 *   whole partition), which Citus refuses on a distributed table.
 */
import type { ModelConfig } from '../config/schema.js';
import type { ConfigIssue } from '../config/errors.js';
import type { Column, FamilyLink, Model } from './types.js';

export type Distribution = Model['distribution'];

/** A root model's distribution, from its config; null with the issues when refused. */
export function rootDistribution(name: string, m: ModelConfig, columns: Column[], issues: ConfigIssue[]): Distribution {
  const d = m.distribution;
  if (!d) return null;
  const at = ['models', name, 'distribution'];
  if ('reference' in d) {
    issues.push({
      path: [...at, 'reference'],
      message: 'Citus cannot make a partitioned table a reference table (create_reference_table refuses it), and every pgpart model is partitioned: '
        + 'distribute it with distribution: { column: \'<a column>\' }, or keep the table out of pgpart and make it a reference table yourself',
    });
    return null;
  }
  if (!columns.some((c) => c.name === d.column)) {
    issues.push({ path: [...at, 'column'], message: `"${d.column}" is not a column of ${name} (columns: ${columns.map((c) => c.name).join(', ')})` });
    return null;
  }
  refuseTablespaces(name, m, issues);
  if (m.partition?.default) {
    issues.push({
      path: ['models', name, 'partition', 'default'],
      message: 'a distributed family cannot have a DEFAULT partition: pgpart drains it by locking the rows to move (SELECT … FOR UPDATE), '
        + 'which Citus refuses on a distributed table. Remove default and keep premake ahead of the rows written',
    });
  }
  return { column: d.column, colocateWith: name };
}

/** A dependent's distribution: its parent's, carried by the foreign-key column that references it. */
export function dependentDistribution(name: string, m: ModelConfig, parent: Model, link: FamilyLink, issues: ConfigIssue[]): Distribution {
  const at = ['models', name];
  if (m.distribution) {
    issues.push({
      path: [...at, 'distribution'],
      message: `${name} is partitioned in lockstep with ${parent.name}: it is distributed by its foreign key to ${parent.name} and colocated with ${parent.root}. `
        + `Declare distribution on the root model ${parent.root} only, and remove it here`,
    });
    return null;
  }
  const pd = parent.distribution;
  if (!pd) return null;
  const i = link.refColumns.indexOf(pd.column);
  if (i < 0) {
    issues.push({
      path: [...at, 'partitionForeignKey'],
      message: `Citus needs a foreign key between distributed tables to include the distribution column: ${name} references ${parent.name}'s primary key `
        + `(${link.refColumns.join(', ')}), which lacks ${parent.name}'s distribution column ${pd.column}. `
        + `Add ${pd.column} to models.${parent.name}.primaryKey (and a column for it to partitionForeignKey.column)`,
    });
    return null;
  }
  if (link.onDelete === 'set null') {
    issues.push({
      path: [...at, 'partitionForeignKey', 'onDelete'],
      message: `Citus refuses ON DELETE SET NULL on a foreign key whose columns include the distribution column (${link.columns[i]}): `
        + "use 'cascade', 'restrict' or 'no action'",
    });
    return null;
  }
  refuseTablespaces(name, m, issues);
  return { column: link.columns[i]!, colocateWith: pd.colocateWith };
}

/** Tablespaces and tiers of a distributed model: refused, saying why. */
function refuseTablespaces(name: string, m: ModelConfig, issues: ConfigIssue[]): void {
  const why = 'Citus places a distributed table\'s shards on the workers without the coordinator\'s tablespaces, so pgpart cannot place or move a distributed family: '
    + 'remove it (tablespaces are not supported on Citus)';
  for (const key of ['tablespace', 'archiveTablespace', 'detachTablespace'] as const) {
    if (m[key] !== undefined) issues.push({ path: ['models', name, key], message: why });
  }
  if (m.partition?.by === 'range' && m.partition.tiers.length) issues.push({ path: ['models', name, 'partition', 'tiers'], message: why });
}
