import { writeFileSync } from 'node:fs';
import { findConfig, loadConfigFile } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { compile, type Compiled } from '../build.js';
import { UserError } from './errors.js';

export async function buildCommand(opts: { config?: string; out?: string; transaction: boolean }): Promise<void> {
  const { sql } = await compileFile(opts.config, opts.transaction);
  if (opts.out) {
    try {
      writeFileSync(opts.out, sql);
    } catch (err) {
      throw new UserError(`cannot write ${opts.out}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
    }
    process.stderr.write(`wrote ${opts.out}\n`);
  } else {
    process.stdout.write(sql);
  }
}

/** Loads a config file and compiles it; config errors name the file. */
export async function compileFile(path: string | undefined, transaction = true, cwd = process.cwd()): Promise<Compiled & { source: string }> {
  const { config, name } = await loadConfigFile(findConfig(cwd, path), cwd);
  try {
    // Object.assign, not a spread: the spread would render runtimeSql, which build never needs.
    return Object.assign(compile(config, { transaction, source: name }), { source: name });
  } catch (err) {
    throw err instanceof ConfigError ? err.inFile(name) : err;
  }
}

/** Loads a config file and builds install.sql from it. */
export async function buildFromFile(path: string | undefined, transaction = true, cwd = process.cwd()): Promise<string> {
  return (await compileFile(path, transaction, cwd)).sql;
}
