import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOW_FIELDS } from '../../model/index.js';
import { data, ROOT } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const HTTP = data('pcap/http/zeek-http-get.pcap');
const WIKI = data('pcap/dns/zeek-wikipedia.pcap');

describe('camwatch flows', () => {
  it('--format jsonl writes one object per flow with the public Flow field names', async () => {
    const r = await runCli(['flows', WIKI, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(10);
    const known = new Set(FLOW_FIELDS.map((f) => f.name as string));
    for (const row of rows) {
      for (const k of Object.keys(row)) expect(known.has(k), k).toBe(true);
      expect(row.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // The summary goes to stderr, with the counts a user checks.
    expect(r.stderr).toMatch(/1 input, \d+ records, \d+ IP, \d+ non-IP, \d+ bytes, \d+ flows, 0 malformed/);
  });

  it('--format csv has the field table as header and one row per flow', async () => {
    const r = await runCli(['flows', HTTP, '--format', 'csv', '-q']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(',')).toEqual(FLOW_FIELDS.map((f) => f.name));
    expect(lines).toHaveLength(2);
    expect(r.stderr).toBe('');
  });

  it('reads standard input with -', async () => {
    const r = await runCli(['flows', '-', '--format', 'jsonl', '-q'], { stdin: readFileSync(HTTP) });
    expect(r.code).toBe(0);
    const f = JSON.parse(r.stdout);
    expect(f.respPort).toBe(80);
    expect(f.sourceFile).toBe('-');
  });

  it('prints a readable table by default', async () => {
    const r = await runCli(['flows', HTTP, '-q']);
    const [header, row] = r.stdout.split('\n');
    expect(header).toMatch(/^start\s+proto\s+originator\s+responder\s+pkts\s+bytes\s+state\s+name$/);
    expect(row).toContain('141.142.228.5:59856');
    expect(row).toContain('192.150.187.43:80');
  });

  it('a file that is not a capture gets one clear line and exit code 1; other inputs are still read', async () => {
    const notCapture = `${ROOT}/package.json`;
    const r = await runCli(['flows', notCapture, HTTP, '--format', 'jsonl']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const errLines = r.stderr.split('\n').filter((l) => l.includes('package.json'));
    expect(errLines[0]).toContain('not a capture or flow log');
    expect(errLines[0]).toContain('first bytes: 7b 0a');
  });

  it('a missing file names the file', async () => {
    const r = await runCli(['flows', '/nonexistent/cam.pcap', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/cam.pcap: cannot read');
  });
});

describe('camwatch names', () => {
  it('lists every A/AAAA answer tshark decodes from the capture', async () => {
    const expected = JSON.parse(readFileSync(`${ROOT}/test/fixtures/meta/expected.json`, 'utf8'))[
      'pcap/dns/zeek-wikipedia.pcap'
    ];
    const r = await runCli(['names', WIKI, '--format', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const addresses = new Set(rows.map((x) => x.address));
    for (const a of [...expected.dnsA, ...expected.dnsAaaa]) expect(addresses, a).toContain(a);
    for (const x of rows) expect(x.lastSeen >= x.firstSeen).toBe(true);
  });
});
