/** Where the package's own files (sql/, templates/, package.json) are, from src/ or dist/. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  // This file is src/emit/package.ts or dist/emit/package.js: the root is two levels up.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
