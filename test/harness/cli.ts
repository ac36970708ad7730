// The built pgpart CLI (dist/, so run `tsc` first; npm test does) in a child process, the
// way a user runs it: to its end (runCli), or watched as it runs (startCli).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

export interface Run { code: number; stdout: string; stderr: string }

/** A CLI run that hangs is killed after this long: a guard only, far beyond any run here. */
const KILL_AFTER_MS = 600_000;

/** Runs the CLI from a temp dir (it must not depend on the cwd) to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return startCli(args, env).done;
}

export interface Running {
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits (or is killed as hung). */
  done: Promise<Run>;
}

/** Starts the CLI from a temp dir; its output can be read while it runs. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, [cli, ...args], { cwd: tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr: signal ? `${stderr}\n[killed by ${signal}]` : stderr });
    });
  });
  return { stdout: () => stdout, stderr: () => stderr, done };
}

/** Writes `config` as a pgpart.config.ts in a new temp dir (or `dir`) and returns its path. */
export function writeConfig(config: unknown, dir = mkdtempSync(path.join(tmpdir(), 'pgpart-config-'))): string {
  const file = path.join(dir, 'pgpart.config.ts');
  writeFileSync(file, `import { defineConfig } from 'pgpart';\nexport default defineConfig(${JSON.stringify(config, null, 2)});\n`);
  return file;
}
