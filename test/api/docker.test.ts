/**
 * No Docker engine here: what can be checked is that the image runs the same `camwatch serve` the
 * tests start (its CMD parses as serve flags this build knows) and that the compose file points
 * camwatch at the ClickHouse service through CAMWATCH_CLICKHOUSE_URL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../cli/program.js';
import { ROOT } from '../helpers/paths.js';

const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
const jsonInstr = (name: string): string[] => {
  const m = new RegExp(`^${name} (\\[.*\\])$`, 'm').exec(dockerfile);
  if (!m) throw new Error(`no ${name} in the Dockerfile`);
  return JSON.parse(m[1]) as string[];
};

describe('docker/', () => {
  test('the entry command is camwatch serve with flags serve knows', () => {
    expect(jsonInstr('ENTRYPOINT')).toEqual(['node', 'dist/bin/camwatch.js']);
    const cmd = jsonInstr('CMD');
    expect(cmd[0]).toBe('serve');
    const serve = buildProgram().commands.find((c) => c.name() === 'serve');
    expect(serve).toBeDefined();
    const known = new Set(serve!.options.map((o) => o.long));
    for (const flag of cmd.filter((a) => a.startsWith('--'))) expect(known, flag).toContain(flag);
  });

  test('multi-stage, production dependencies only, non-root', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    // the project's own build script: compiled and bundled as `npm install` builds it
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).not.toMatch(/^FROM .*alpine/im);
  });

  test('compose: camwatch uses the ClickHouse service, volumes for data and inbox', () => {
    const c = parse(readFileSync(join(ROOT, 'docker/compose.yaml'), 'utf8'));
    const cw = c.services.camwatch;
    expect(cw.environment.CAMWATCH_CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    expect(Object.keys(c.services)).toContain('clickhouse');
    expect(cw.volumes.join(' ')).toMatch(/\/var\/lib\/camwatch\/data/);
    expect(cw.volumes.join(' ')).toMatch(/\/var\/lib\/camwatch\/inbox/);
    expect(cw.ports.every((p: string) => p.startsWith('127.0.0.1:'))).toBe(true);
  });
});
