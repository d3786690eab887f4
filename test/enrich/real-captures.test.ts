import { describe, expect, it } from 'vitest';
import {
  addEvidence,
  type DiscoveredCamera,
  recogniseCameras,
} from '../../ingest/enrich/camera-discovery.js';
import { createEnricher } from '../../ingest/enrich/enricher.js';
import { readInputs } from '../../ingest/index.js';
import type { Flow } from '../../model/flow-fields.js';
import { data } from '../helpers/paths.js';

async function flowsOf(rel: string): Promise<Flow[]> {
  const out: Flow[] = [];
  for await (const batch of readInputs([data(rel)], {})) out.push(...batch.flows);
  return out;
}

const geo = {
  geoDb: data('mmdb/test-data/GeoIP2-City-Test.mmdb'),
  asnDb: data('mmdb/test-data/GeoLite2-ASN-Test.mmdb'),
  openData: false,
  cacheDir: false,
} as const;

describe('enrichment of real captures', () => {
  it('an RTSP session: the server is recognised as a camera, both sides are local devices', async () => {
    const flows = await flowsOf('pcap/rtsp/ndpi-rtsp-sll.pcap');
    expect(flows.length).toBeGreaterThan(0);
    const e = createEnricher({ geo });
    const known = new Map<string, DiscoveredCamera>();
    for (const f of flows) {
      e.enrich(f);
      addEvidence(known, recogniseCameras(f));
    }
    expect(flows.every((f) => f.deviceSide === 'both' && f.peerClass === 'private')).toBe(true);
    expect(known.get('10.2.2.2')).toMatchObject({
      camera: true,
      evidence: [expect.objectContaining({ how: 'rtsp-server' })],
    });
    expect(known.has('10.1.1.10')).toBe(false);
  });

  it('a Ubiquiti device broadcasting discovery: vendor from the MAC, a weak hint only, broadcast peer', async () => {
    const flows = await flowsOf('pcap/iot/ndpi-ubntac2.pcap');
    const e = createEnricher({ geo });
    const known = new Map<string, DiscoveredCamera>();
    for (const f of flows) {
      e.enrich(f);
      addEvidence(known, recogniseCameras(f));
    }
    const bcast = flows.filter((f) => f.respIp === '255.255.255.255');
    expect(bcast.length).toBeGreaterThan(0);
    expect(bcast.every((f) => f.deviceSide === 'orig' && f.peerClass === 'broadcast')).toBe(true);
    expect(bcast.every((f) => f.deviceVendor === 'Ubiquiti')).toBe(true);
    expect(known.get('192.168.1.1')).toMatchObject({
      vendor: 'Ubiquiti',
      camera: false,
      evidence: [expect.objectContaining({ how: 'vendor-oui', strength: 'weak' })],
    });
  });
});

describe('bounded cache', () => {
  it('keeps at most two generations and promotes old hits', async () => {
    const { createBoundedCache } = await import('../../ingest/enrich/bounded-cache.js');
    const c = createBoundedCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // rotates: old = {a, b}
    expect(c.get('a')).toBe(1); // promoted into the young generation
    c.set('d', 4); // rotates again: old = {c, a}, b dropped
    expect(c.get('b')).toBeUndefined();
    expect(c.get('c')).toBe(3);
    expect(c.size).toBeLessThanOrEqual(4);
  });
});
