import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, SHARED } from '../helpers/paths.js';

const research = join(SHARED, 'research/vendor-endpoints.yaml');

// rules/vendors/ is generated: regenerate it and fail on any difference (STYLE.md §2).
test.skipIf(!existsSync(research))(
  'rules/vendors/ is what scripts/make-vendor-rules.mjs makes from the research',
  () => {
    const out = mkdtempSync(join(tmpdir(), 'camwatch-vendors-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts/make-vendor-rules.mjs'), research, out]);
      const committed = readdirSync(join(ROOT, 'rules/vendors')).sort();
      expect(readdirSync(out).sort()).toEqual(committed);
      for (const f of committed) {
        expect(readFileSync(join(out, f), 'utf8'), f).toBe(
          readFileSync(join(ROOT, 'rules/vendors', f), 'utf8'),
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
