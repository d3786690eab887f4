/**
 * The built command as a user (and the Docker image) runs it: `camwatch token create` prints a token
 * once, `camwatch serve` answers on a loopback port with that token, and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { CLI } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.skipIf(!existsSync(CLI))(
  'token create, then serve answers with that token and stops on SIGTERM',
  async () => {
    const data = join(dir, 'data');
    const made = await runCli([
      'token',
      'create',
      '--role',
      'analyst',
      '--name',
      'cli-test',
      '--data',
      data,
      '--format',
      'jsonl',
    ]);
    expect(made.code).toBe(0);
    const { token, role } = JSON.parse(made.stdout) as { token: string; role: string };
    expect(role).toBe('analyst');
    expect(token).toMatch(/^cwt_[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['token', 'list', '--data', data]);
    expect(listed.stdout).toContain('analyst\tcli-test');
    expect(listed.stdout).not.toContain(token);

    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--no-enrich'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CAMWATCH_CLICKHOUSE_URL: '' },
      },
    );
    let stderr = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    try {
      expect((await fetch(`${address}/readyz`)).status).toBe(200);
      expect((await fetch(`${address}/api/v1/alerts`)).status).toBe(401);
      const ok = await fetch(`${address}/api/v1/alerts`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ items: [], nextCursor: null });
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  },
);
