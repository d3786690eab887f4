import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../helpers/paths.js';

/**
 * Builds a TypeScript entry into one ESM file a plain `node` can run (node_modules stay external),
 * so a test can run camwatch code in a separate process it may kill -9. Bundled with rolldown,
 * which vitest's vite already brings.
 */
export async function bundleEntry(entry: string, name: string): Promise<string> {
  const { build } = await import('rolldown');
  const outDir = resolve(ROOT, 'node_modules/.cache/camwatch-test');
  mkdirSync(outDir, { recursive: true });
  const file = resolve(outDir, `${name}-${process.pid}.mjs`);
  await build({
    input: entry,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    output: { file, format: 'esm', codeSplitting: false },
    logLevel: 'silent',
  });
  return file;
}

/** Spawns `node file args…` (with `stdin` piped in when given); `onLine` gets each stdout line. */
export function runNode(
  file: string,
  args: string[],
  onLine: (line: string, child: ChildProcess) => void,
  stdin?: Buffer,
): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [file, ...args], {
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (stdin) child.stdin?.end(stdin);
  let buf = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      onLine(buf.slice(0, nl), child);
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((ok) =>
    child.on('exit', (code, signal) => ok({ code, signal, stderr })),
  );
  return { child, exit };
}
