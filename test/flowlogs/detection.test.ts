import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseReader } from '../../ingest/formats.js';
import { openInput } from '../../ingest/input/open-input.js';
import { CamwatchError } from '../../model/index.js';
import { DATA, ROOT } from '../helpers/paths.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

/** What every shared flow log and flow-log fixture is detected as, through the real registry. */
function expected(rel: string): string | undefined {
  if (rel.includes('zeek/bad/rita-not-a-log')) return undefined;
  if (rel.includes('/zeek/')) return 'zeek';
  if (rel.endsWith('beats-bad.log') || rel.includes('custom-transit-gateway-no-header')) return undefined;
  if (rel.includes('/aws-vpc/')) return 'aws-vpc';
  if (rel.includes('/ipfix-file/')) return 'netflow';
  if (rel.includes('netflow5_test_invalid')) return undefined;
  if (rel.includes('/udp-payload/')) return 'netflow';
  if (rel.includes('/netflow/pcap/')) return 'netflow-pcap';
  if (rel.endsWith('.nfcapd')) return undefined; // nfdump's own binary format: read with nfdump
  if (rel.endsWith('-o-csv.csv')) return 'nfdump-csv';
  if (rel.includes('/joy/') || rel.includes('/sflow/')) return 'other';
  return undefined;
}

describe('format detection over every shared flow log', () => {
  for (const f of files(resolve(DATA, 'flowlogs'))) {
    const rel = relative(DATA, f);
    const want = expected(`/${rel}`);
    it(`${rel} → ${want ?? 'refused with one clear line'}`, async () => {
      const input = await openInput(f);
      let got: string | undefined;
      try {
        got = chooseReader(input).format;
      } catch (err) {
        expect(err).toBeInstanceOf(CamwatchError);
        expect((err as Error).message).toMatch(/not a capture or flow log camwatch reads/);
        expect((err as Error).message.split('\n')).toHaveLength(1);
      }
      if (want === 'other') expect(got === undefined || ['pcap', 'pcapng'].includes(got)).toBe(true);
      else expect(got).toBe(want);
    });
  }

  it('fixtures: export captures are netflow-pcap, cloud and CSV fixtures their own formats', async () => {
    const fx = (p: string) => resolve(ROOT, 'test/fixtures/flowlogs', p);
    const fmt = async (p: string) => chooseReader(await openInput(fx(p))).format;
    expect(await fmt('netflow/softflowd-iphone-v10.pcap')).toBe('netflow-pcap');
    expect(await fmt('netflow/dat-yaf.pcap')).toBe('netflow-pcap');
    expect(await fmt('nfdump/slips-100.json')).toBe('nfdump-json');
    expect(await fmt('cloud/azure-nsg-v2.json')).toBe('azure-nsg');
    expect(await fmt('cloud/gcp-vpc-flows.jsonl')).toBe('gcp-vpc');
    expect(await fmt('generic-csv/firewall-traffic.csv')).toBe('csv');
  });
});
