import type { ConfigInput } from './schema.js';

/**
 * Declares a pgpart config. It returns its argument unchanged: its job is the type, so that
 * a misspelt field is a compile error in the user's editor.
 *
 * @example
 * export default defineConfig({
 *   models: {
 *     tweet: {
 *       columns: { id: 'bigint generated always as identity', created_at: 'timestamptz not null' },
 *       primaryKey: ['id'],
 *       partition: { by: 'range', column: 'created_at', interval: '1 month' },
 *     },
 *   },
 * });
 */
export function defineConfig<const T extends ConfigInput>(config: T & ConfigInput): T {
  return config;
}
