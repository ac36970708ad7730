/** The pipeline, end to end: config → validated model → plan → SQL. Pure: no files, no database. */
import { createHash } from 'node:crypto';
import { validate } from './model/validate.js';
import { plan } from './plan/plan.js';
import { render } from './emit/render.js';
import { packageVersion } from './emit/package.js';
import type { ConfigInput } from './config/schema.js';

export interface BuildOptions {
  /** Wrap the script in BEGIN/COMMIT (default true). node-pg-migrate runs each migration in its own transaction. */
  transaction?: boolean;
  /** Named in the header comment; defaults to "config". */
  source?: string;
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
  const project = validate(config);
  const hash = `sha256:${createHash('sha256').update(JSON.stringify(project)).digest('hex')}`;
  return render(plan(project), {
    version: packageVersion(),
    hash,
    source: options.source ?? 'config',
    transaction: options.transaction ?? true,
  });
}
