import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../model/index.js';
import { ROOT } from './helpers/paths.js';

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(ROOT, dir, e.name)] : [],
  );
}

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes of model/errors.ts, with the same meaning', () => {
    const doc = readFileSync(`${ROOT}/docs/errors.md`, 'utf8');
    const documented = new Map(
      [...doc.matchAll(/^\| `(CW_ERR_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]] as const),
    );
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, meaning] of Object.entries(ERROR_CODES)) expect(documented.get(code)).toBe(meaning);
  });

  it('every code the code base uses is in the registry', () => {
    const used = new Set<string>();
    for (const dir of ['model', 'ingest', 'store', 'analyzer', 'api', 'cli']) {
      for (const f of sources(dir)) {
        for (const m of readFileSync(f, 'utf8').matchAll(/\bCW_ERR_[A-Z_]*[A-Z]\b/g)) used.add(m[0]);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });
});
