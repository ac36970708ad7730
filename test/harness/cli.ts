// The built pgpart CLI (dist/, so run `tsc` first; npm test does) in a child process, the
// way a user runs it.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

export interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI from a temp dir (it must not depend on the cwd); kills it after 2 minutes. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr: signal ? `${stderr}\n[killed by ${signal}]` : stderr });
    });
  });
}

/** Writes `config` as a pgpart.config.ts in a new temp dir (or `dir`) and returns its path. */
export function writeConfig(config: unknown, dir = mkdtempSync(path.join(tmpdir(), 'pgpart-config-'))): string {
  const file = path.join(dir, 'pgpart.config.ts');
  writeFileSync(file, `import { defineConfig } from 'pgpart';\nexport default defineConfig(${JSON.stringify(config, null, 2)});\n`);
  return file;
}
