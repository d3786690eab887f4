import { describe, expect, it } from 'vitest';
import { FLOW_FIELDS, type Flow, flowToJson } from '../model/index.js';

describe('the Flow field table', () => {
  it('expands every orig* twin into a resp* field that swaps back to it', () => {
    const names = FLOW_FIELDS.map((f) => f.name as string);
    for (const f of FLOW_FIELDS) {
      if (!f.name.startsWith('orig')) continue;
      const resp = `resp${f.name.slice(4)}`;
      expect(names).toContain(resp);
      expect(f.swapWith).toBe(resp);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('has the public jsonl names of DESIGN.md', () => {
    const names = new Set(FLOW_FIELDS.map((f) => f.name as string));
    for (const n of [
      'start',
      'end',
      'proto',
      'vlan',
      'origIp',
      'origPort',
      'respIp',
      'respPort',
      'origMac',
      'respMac',
      'origPackets',
      'origBytes',
      'respPackets',
      'respBytes',
      'tcpFlags',
      'state',
      'communityId',
      'dnsQuery',
      'dnsAnswers',
      'tlsSni',
      'tlsAlpn',
      'ja4',
      'httpHost',
      'httpUserAgent',
      'httpMethod',
      'httpPath',
      'ntpMode',
      'ssdp',
      'stun',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
  });

  it('writes times as ISO-8601 UTC with milliseconds and omits absent values', () => {
    const flow: Flow = {
      start: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
      end: Date.UTC(2024, 0, 2, 3, 4, 6, 0) + 0.5,
      proto: 6,
      origIp: '10.0.0.1',
      origPort: 1234,
      respIp: '10.0.0.2',
      respPort: 554,
      origPackets: 1,
      respPackets: 0,
      origBytes: 60,
      respBytes: 0,
      sourceFormat: 'pcap',
    };
    const j = flowToJson(flow);
    expect(j.start).toBe('2024-01-02T03:04:05.678Z');
    expect(j.end).toBe('2024-01-02T03:04:06.000Z');
    expect('vlan' in j).toBe(false);
    expect(Object.keys(j).slice(0, 3)).toEqual(['start', 'end', 'proto']);
  });
});
