import { writeFileSync } from 'node:fs';
import { findConfig, loadConfigFile } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { build } from '../build.js';

export async function buildCommand(opts: { config?: string; out?: string; transaction: boolean }): Promise<void> {
  const sql = await buildFromFile(opts.config, opts.transaction);
  if (opts.out) {
    writeFileSync(opts.out, sql);
    process.stderr.write(`wrote ${opts.out}\n`);
  } else {
    process.stdout.write(sql);
  }
}

/** Loads a config file and builds it; config errors name the file. */
export async function buildFromFile(path: string | undefined, transaction = true, cwd = process.cwd()): Promise<string> {
  const { config, name } = await loadConfigFile(findConfig(cwd, path), cwd);
  try {
    return build(config, { transaction, source: name });
  } catch (err) {
    throw err instanceof ConfigError ? err.inFile(name) : err;
  }
}
