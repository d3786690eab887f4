import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../model/index.js';
import { ROOT } from './helpers/paths.js';

describe('error codes', () => {
  it('docs/errors.md lists exactly the codes of model/errors.ts, with the same meaning', () => {
    const doc = readFileSync(`${ROOT}/docs/errors.md`, 'utf8');
    const documented = new Map(
      [...doc.matchAll(/^\| `(CW_ERR_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]] as const),
    );
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, meaning] of Object.entries(ERROR_CODES)) expect(documented.get(code)).toBe(meaning);
  });
});
