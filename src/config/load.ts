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

/**
 * Imports the config module and returns its default export (unvalidated).
 *
 * In the config, `pgpart` is `defineConfig` alone (./define.js): a config needs nothing else
 * at run time (its types are erased), and loading the whole package through jiti was most of
 * `pgpart build`'s start-up. jiti keeps the config's transpiled form in its file cache (keyed
 * by the source's hash, so an edited config is transpiled again), which spares loading its
 * compiler on every run.
 */
export async function loadConfigFile(file: string, cwd = process.cwd()): Promise<{ file: string; name: string; config: unknown }> {
  // define.js under dist/, define.ts when running from src/ (tests run the sources with tsx).
  const self = ['./define.js', './define.ts'].map((f) => fileURLToPath(new URL(f, import.meta.url))).find((f) => existsSync(f))!;
  const jiti = createJiti(import.meta.url, { alias: { pgpart: self }, moduleCache: false, fsCache: true });
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
