/**
 * Loads `pgpart.config.ts` (or .js/.mjs) with jiti, so users write TypeScript without a build
 * step. `pgpart` imports inside the config resolve to this package, whichever copy runs.
 */
import { existsSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { ConfigError } from './errors.js';

export const CONFIG_NAMES = ['pgpart.config.ts', 'pgpart.config.mts', 'pgpart.config.js', 'pgpart.config.mjs'];

/** Finds the config file: the given path, or the first default name in `cwd`. */
export function findConfig(cwd: string, path?: string): string {
  if (path) {
    const file = resolve(cwd, path);
    if (!existsSync(file)) throw new ConfigError([{ path: [], message: 'config file not found' }], path);
    return file;
  }
  for (const name of CONFIG_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError([{ path: [], message: `no config found in ${cwd} (looked for ${CONFIG_NAMES.join(', ')}); pass --config` }], 'pgpart');
}

/** Imports the config module and returns its default export (unvalidated). */
export async function loadConfigFile(file: string, cwd = process.cwd()): Promise<{ file: string; name: string; config: unknown }> {
  // index.js under dist/, index.ts when running from src/ (tests run the sources with tsx).
  const self = ['../index.js', '../index.ts'].map((f) => fileURLToPath(new URL(f, import.meta.url))).find((f) => existsSync(f))!;
  const jiti = createJiti(import.meta.url, { alias: { pgpart: self }, moduleCache: false, fsCache: false });
  const name = relative(cwd, file) || file;
  let mod: unknown;
  try {
    mod = await jiti.import(file);
  } catch (err) {
    throw new ConfigError([{ path: [], message: `cannot load: ${(err as Error).message}` }], name);
  }
  const config = (mod as { default?: unknown })?.default ?? mod;
  return { file, name, config };
}
