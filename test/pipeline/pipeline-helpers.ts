import { writeFileSync } from 'node:fs';
import { SyntheticFlows } from '../../bench/store-synthetic-flows.js';
import { flowToJsonLine } from '../../model/index.js';

/** Writes `n` synthetic flows as camwatch jsonl; returns their count and byte total. */
export function writeJsonlFlows(path: string, n: number, seed: number): { flows: number; bytes: number } {
  const gen = new SyntheticFlows(200, 100, seed);
  const day = Date.UTC(2026, 10, 20 + (seed % 5));
  let text = '';
  let bytes = 0;
  for (const f of gen.batch(n, day)) {
    bytes += f.origBytes + f.respBytes;
    text += `${flowToJsonLine(f)}\n`;
  }
  writeFileSync(path, text);
  return { flows: n, bytes };
}
