/**
 * pgpart's public API.
 *
 * @example
 * // pgpart.config.ts
 * import { defineConfig } from 'pgpart';
 * export default defineConfig({ models: { … } });
 *
 * // anywhere
 * import { build } from 'pgpart';
 * const sql = build(config); // the install.sql text
 */
export { defineConfig } from './config/define.js';
export { build, compile, type BuildOptions, type Compiled } from './build.js';
export { validate } from './model/validate.js';
export { ConfigError, type ConfigIssue } from './config/errors.js';
export type { ConfigInput, Config, ModelInput } from './config/schema.js';
export type { Project, Model, Settings } from './model/types.js';
export { installWithKnex, type KnexLike } from './db/knex.js';
