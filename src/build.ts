/** The pipeline, end to end: config → validated model → plan → SQL. Pure: no files, no database. */
import { createHash } from 'node:crypto';
import { validate } from './model/validate.js';
import { plan, type Desired } from './plan/plan.js';
import { render, schemaRevision } from './emit/render.js';
import { packageVersion } from './emit/package.js';
import type { ConfigInput } from './config/schema.js';

export interface BuildOptions {
  /** Wrap the script in BEGIN/COMMIT (default true). node-pg-migrate runs each migration in its own transaction. */
  transaction?: boolean;
  /** Named in the header comment; defaults to "config". */
  source?: string;
}

/** Everything one build makes: the install script and what it is made of. */
export interface Compiled {
  /** install.sql. */
  sql: string;
  /** install.sql's parting schema and runtime without the models, for `pgpart plan` to load into a transaction it rolls back. */
  runtimeSql: string;
  /** The models document install.sql carries to parting._install. */
  desired: Desired;
  hash: string;
  version: string;
  revision: number;
}

/** Compiles a config; throws ConfigError on an invalid one. */
export function compile(config: ConfigInput | unknown, options: BuildOptions = {}): Compiled {
  const project = validate(config);
  const hash = `sha256:${createHash('sha256').update(JSON.stringify(project)).digest('hex')}`;
  const planned = plan(project);
  const base = { version: packageVersion(), hash, source: options.source ?? 'config' };
  return {
    sql: render(planned, { ...base, transaction: options.transaction ?? true, runtimeOnly: false }),
    // Rendered when asked for: `pgpart build` never needs it.
    get runtimeSql() { return render(planned, { ...base, transaction: false, runtimeOnly: true }); },
    desired: planned.desired,
    hash,
    version: base.version,
    revision: schemaRevision(),
  };
}

/**
 * Compiles a config into the install.sql script. Throws ConfigError on an invalid config.
 *
 * @example
 * import { build } from 'pgpart';
 * import config from './pgpart.config.js';
 * const sql = build(config);
 */
export function build(config: ConfigInput | unknown, options: BuildOptions = {}): string {
  return compile(config, options).sql;
}
