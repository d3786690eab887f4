import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { type RulesCheckFlags, runRulesCheck } from '../../cli/commands/rules.js';
import { buildProgram } from '../../cli/program.js';
import { ROOT } from '../helpers/paths.js';

const FIX = join(ROOT, 'test/fixtures/rules');

async function run(paths: string[], flags: Partial<RulesCheckFlags> = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  const code = await runRulesCheck(paths, { format: 'text', defaults: true, ...flags }, { out, err });
  return { code, stdout, stderr };
}

describe('camwatch rules check', () => {
  test('is registered on the program', () => {
    const rules = buildProgram().commands.find((c) => c.name() === 'rules');
    expect(rules?.commands.map((c) => c.name())).toEqual(['check']);
  });

  test('the packaged rules are valid', async () => {
    const r = await run([join(ROOT, 'rules')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('rule packs valid: 1 policy, 30 vendor (269 vendor endpoints)\n');
  });

  test('an operator pack is checked with the packaged ones; an expired suppression is a warning', async () => {
    const r = await run([join(FIX, 'good/site-hq.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning: .*site-hq\.yaml: suppression old-beacon expired on 2020-01-01/);
  });

  test('problems are printed as file:line: key: message, exit code 1', async () => {
    const r = await run([join(FIX, 'bad/semantic.yaml')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(
      /semantic\.yaml:8: allow\[0\]\.networks\[0\]: "10\.0\.0\.0\/33" is not an address or CIDR network$/,
    );
    expect(r.stderr).toBe('7 problem(s) in the rule packs\n');
  });

  test('json output and usage errors', async () => {
    const r = await run([join(FIX, 'bad/broken.yaml')], { format: 'json' });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.problems[0]).toMatchObject({ line: 10, key: 'allow[1]' });
    expect((await run(['/no/such/dir'])).code).toBe(2);
    expect((await run([FIX], { format: 'xml' as 'json' })).code).toBe(2);
  });
});
