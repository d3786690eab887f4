import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUdpCollector, parseListen } from '../../ingest/flowlogs/index.js';
import { netflowPcapReader } from '../../ingest/flowlogs/netflow/netflow-readers.js';
import { CamwatchError, type Flow } from '../../model/index.js';
import { CLI, data, ROOT } from '../helpers/paths.js';
import { readFile } from './read-all.js';

const dat = (f: string): Buffer => readFileSync(data(`flowlogs/netflow/udp-payload/${f}`));
const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);
const key = (f: Flow): string =>
  [f.origIp, f.origPort, f.respIp, f.respPort, f.proto, f.origPackets, f.origBytes, f.respBytes].join(' ');

/** Real UDP datagrams on loopback, one after the other (templates first). */
async function send(port: number, payloads: Buffer[], from = createSocket('udp4')): Promise<void> {
  for (const p of payloads) {
    await new Promise<void>((r, j) => from.send(p, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  }
  from.close();
}

const GROUPS = {
  yaf: [
    'logstash-ipfix_test_yaf_tpls_option_tpl.dat',
    'logstash-ipfix_test_yaf_tpl45841.dat',
    'logstash-ipfix_test_yaf_data45841.dat',
    'logstash-ipfix_test_yaf_data45873.dat',
    'logstash-ipfix_test_yaf_data53248.dat',
  ],
  asa: ['logstash-netflow9_test_cisco_asa_1_tpl.dat', 'logstash-netflow9_test_cisco_asa_1_data.dat'],
  v5: [
    'logstash-netflow5.dat',
    'logstash-netflow5_test_juniper_mx80.dat',
    'logstash-netflow5_test_microtik.dat',
  ],
};

describe('UDP collector', () => {
  it('decodes datagrams sent on loopback exactly as the capture reader decodes the same datagrams', async () => {
    const c = createUdpCollector({ host: '127.0.0.1', port: 0, flushIntervalMs: 20 });
    const { port } = await c.start();
    const got: Flow[] = [];
    const consumer = (async () => {
      for await (const b of c.batches()) got.push(...b.flows);
    })();
    for (const files of Object.values(GROUPS)) await send(port, files.map(dat));
    const want: Flow[] = [];
    for (const name of Object.keys(GROUPS)) {
      want.push(...(await readFile(netflowPcapReader, fixture(`netflow/dat-${name}.pcap`))).flows);
    }
    const deadline = Date.now() + 5000;
    while (got.length < want.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await c.close();
    await consumer;
    expect(got.map(key).sort()).toEqual(want.map(key).sort());
    expect(c.stats).toMatchObject({ datagrams: 10, exporters: 1, flows: want.length, droppedFlows: 0 });
    expect(got[0].sourceFile).toBe(`udp://127.0.0.1:0`);
  });

  it('keeps template state per exporter: a second exporter without templates gets nothing decoded', async () => {
    const c = createUdpCollector({ host: '127.0.0.1', port: 0, flushIntervalMs: 20 });
    const { port } = await c.start();
    await send(port, [dat(GROUPS.asa[0])]);
    // Data from another source address (::1 is not 127.0.0.1; use a second IPv4 loopback address).
    const other = createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.2', () => r()));
    await send(port, [dat(GROUPS.asa[1])], other);
    await new Promise((r) => setTimeout(r, 100));
    await c.close();
    expect(c.stats.flows).toBe(0);
    expect(c.problems.count('netflow-unknown-template')).toBe(1);
  });

  it('parses --listen forms and rejects others with a ConfigError', () => {
    expect(parseListen('127.0.0.1:2055')).toEqual({ host: '127.0.0.1', port: 2055 });
    expect(parseListen('[::1]:4739')).toEqual({ host: '::1', port: 4739 });
    expect(parseListen('9995')).toEqual({ host: '0.0.0.0', port: 9995 });
    expect(() => parseListen('localhost:99999')).toThrow(CamwatchError);
    expect(() => parseListen('nope')).toThrow(/--listen 'nope'/);
  });
});

describe('camwatch collect (built command)', () => {
  it.skipIf(!existsSync(CLI))('prints jsonl flows from UDP datagrams and stops at --count', async () => {
    // Find a free port first, then hand it to the command.
    const probe = createSocket('udp4');
    const port = await new Promise<number>((r) => probe.bind(0, '127.0.0.1', () => r(probe.address().port)));
    probe.close();
    const child = spawn(process.execPath, [CLI, 'collect', '--listen', `127.0.0.1:${port}`, '--count', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const deadline = Date.now() + 10_000;
    while (!stderr.includes('listening') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await send(port, GROUPS.yaf.map(dat));
    await send(port, GROUPS.v5.slice(0, 1).map(dat));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, stderr).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ origIp: '172.16.32.201', respPort: 53, sourceFormat: 'ipfix' });
    expect(stderr).toMatch(/datagrams from 1 exporters/);
  });
});
