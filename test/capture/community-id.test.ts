import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId, ICMP4_PAIRS, ICMP6_PAIRS } from '../../ingest/flow/community-id.js';
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

describe('Community ID v1 against the specification baseline', () => {
  it.each(vectors.map((v) => [`${v.proto} ${v.saddr}:${v.sport} → ${v.daddr}:${v.dport}`, v] as const))(
    '%s',
    (_, v) => {
      const v6 = v.saddr.includes(':');
      let sport = v.sport ?? 0;
      let dport = v.dport ?? 0;
      let oneWay = false;
      if (v.proto === 1 || v.proto === 58) {
        // The pair table the decoder uses: the spec's ICMP vectors check it.
        const pair = (v.proto === 1 ? ICMP4_PAIRS : ICMP6_PAIRS)[sport];
        if (pair < 0) oneWay = true;
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
