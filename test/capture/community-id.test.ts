import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId } from '../../ingest/flow/community-id.js';
import { ROOT } from '../helpers/paths.js';

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(`${ROOT}/test/fixtures/community-id/baseline_deflt.json`, 'utf8'),
);

/** Address text → 4 big-endian words (IPv4 in the first). */
function words(ip: string): number[] {
  if (!ip.includes(':')) return [ip.split('.').reduce((a, o) => a * 256 + Number(o), 0), 0, 0, 0];
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => Number.parseInt(g, 16));
  return [0, 2, 4, 6].map((i) => groups[i] * 65536 + groups[i + 1]);
}

// ICMP request/reply pairs that the spec maps to a two-way port pair (type → counterpart type).
const ICMP_PAIRS: Record<number, Record<number, number>> = {
  1: { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 },
  58: {
    128: 129,
    129: 128,
    133: 134,
    134: 133,
    135: 136,
    136: 135,
    130: 131,
    131: 130,
    144: 145,
    145: 144,
    146: 147,
    147: 146,
    139: 140,
    140: 139,
  },
};

describe('Community ID v1 against the specification baseline', () => {
  it.each(vectors.map((v) => [`${v.proto} ${v.saddr}:${v.sport} → ${v.daddr}:${v.dport}`, v] as const))(
    '%s',
    (_, v) => {
      const v6 = v.saddr.includes(':');
      let sport = v.sport ?? 0;
      let dport = v.dport ?? 0;
      let oneWay = false;
      if (v.proto === 1 || v.proto === 58) {
        const pair = ICMP_PAIRS[v.proto][sport];
        if (pair === undefined) oneWay = true;
        else dport = pair;
        sport = v.sport ?? 0;
      }
      const id = communityId(
        v6,
        v.proto,
        words(v.saddr),
        0,
        sport,
        words(v.daddr),
        0,
        dport,
        v.sport !== null,
        oneWay,
      );
      expect(id).toBe(v.communityid);
    },
  );
});
