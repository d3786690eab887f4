/**
 * End to end on a real server (127.0.0.1, port 0) and the real embedded store: upload a real capture,
 * wait for its job, list the alerts it raised, triage one, read the audit trail; upload it again (the
 * ledger makes it a no-op); malformed uploads are refused with problem+json and change nothing.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { data } from '../helpers/paths.js';
import { type Harness, startHarness } from './api-helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = any;

const XIAOMI = data('pcap/iot/ndpi-xiaomi.pcap'); // 12 KB, Xiaomi devices talking to their cloud
const BIG = data('pcap/tls/ndpi-no_sni.pcap'); // 89 KB, over the 64 KiB limit of this server
const LIMIT = 64 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ listen: true, config: { uploadMaxBytes: LIMIT } });
});
afterAll(async () => {
  await h?.close();
});

async function upload(
  name: string,
  bytes: Uint8Array,
  role: 'uploader' | 'ingest-job' | 'analyst' = 'ingest-job',
) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${h.base}/api/v1/uploads`, { method: 'POST', body: form, headers: h.auth(role) });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as Json,
  };
}

async function get(path: string, role: 'analyst' | 'ingest-job' | 'admin' = 'analyst') {
  const res = await fetch(`${h.base}${path}`, { headers: h.auth(role) });
  return { status: res.status, body: (await res.json()) as Json };
}

async function waitJob(id: string): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const { body } = await get(`/api/v1/jobs/${id}`, 'ingest-job');
    if (body.state === 'done' || body.state === 'failed') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

async function storeCounts(): Promise<{ flows: number; ingests: number; alerts: number }> {
  const [r] = await h.store.rows<Record<string, string>>(
    'SELECT toString((SELECT count() FROM flows)) AS flows, toString((SELECT count() FROM ingests)) AS ingests, toString((SELECT count() FROM alerts)) AS alerts',
  );
  return { flows: Number(r.flows), ingests: Number(r.ingests), alerts: Number(r.alerts) };
}

describe('upload → job → alerts → triage → history', () => {
  let alertId = '';
  let version = 0;

  test('a real capture becomes a job that ingests and analyses it', async () => {
    const bytes = readFileSync(XIAOMI);
    const up = await upload(basename(XIAOMI), bytes);
    expect(up.status).toBe(202);
    expect(up.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(up.body.sizeBytes).toBe(bytes.length);
    expect(up.body.format).toBe('pcap');
    const job = await waitJob(up.body.job.id);
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(job.ingest.status).toBe('complete');
    expect(job.ingest.flows).toBeGreaterThan(0);
    expect(job.alerts.created).toBeGreaterThan(0);
    expect(job.progress.fraction).toBe(1);
  });

  test('the alerts are listed, filtered, paged with a cursor', async () => {
    const all = await get('/api/v1/alerts?limit=500');
    expect(all.body).toMatchObject({ nextCursor: null });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(1);
    expect(all.body.items.every((a: Json) => a.detector === 'egress' && a.status === 'open')).toBe(true);
    // the capture's known alert (see test/analyzer/real-captures.test.ts)
    expect(all.body.items.map((a: Json) => `${a.deviceIp} ${a.peerName ?? a.peerIp}`)).toContain(
      '192.168.2.100 203.107.1.65',
    );
    const page1 = await get('/api/v1/alerts?limit=1&sort=-score');
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await get(`/api/v1/alerts?limit=1&sort=-score&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect(page2.body.items[0].score).toBeLessThanOrEqual(page1.body.items[0].score);
    const dev = await get('/api/v1/alerts?device=192.168.2.100');
    expect(dev.body.items.length).toBeGreaterThan(0);
    expect(dev.body.items.every((a: Json) => a.deviceIp === '192.168.2.100')).toBe(true);
    const none = await get('/api/v1/alerts?severity=critical&status=resolved');
    expect(none.body.items).toEqual([]);
    alertId = dev.body.items[0].id;
    version = dev.body.items[0].version;
  });

  test('one alert comes with its evidence flows', async () => {
    const one = await get(`/api/v1/alerts/${alertId}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(alertId);
    expect(one.body.flows.length).toBeGreaterThan(0);
    expect(one.body.flows[0].communityId).toMatch(/^1:/);
    expect(Array.isArray(one.body.names)).toBe(true);
  });

  test('triage with the version read; a stale version is a 409', async () => {
    const patch = (body: object) =>
      fetch(`${h.base}/api/v1/alerts/${alertId}`, {
        method: 'PATCH',
        headers: { ...h.auth('analyst'), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await patch({ version, status: 'acknowledged', assignee: 'soc-1', comment: 'looking at it' });
    expect(ok.status).toBe(200);
    const acked = (await ok.json()) as Json;
    expect(acked.status).toBe('acknowledged');
    expect(acked.assignee).toBe('soc-1');
    expect(acked.version).toBeGreaterThan(version);
    const stale = await patch({ version, status: 'resolved', closeReason: 'benign-positive' });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(((await stale.json()) as Json).code).toBe('CW_ERR_CONFLICT');
    const resolved = await patch({
      version: acked.version,
      status: 'resolved',
      closeReason: 'benign-positive',
    });
    expect(resolved.status).toBe(200);
    const listed = await get('/api/v1/alerts?status=resolved');
    expect(listed.body.items.map((a: Json) => a.id)).toEqual([alertId]);
  });

  test('the history says who changed what, oldest first', async () => {
    const hist = await get(`/api/v1/alerts/${alertId}/history`);
    expect(hist.status).toBe(200);
    const steps = hist.body.items.map(
      (e: Json) => `${e.actor} ${e.action}${e.field ? ` ${e.field}` : ''} ${e.old}→${e.new}`,
    );
    expect(steps).toEqual([
      'analyzer create →',
      'test-analyst update status open→acknowledged',
      'test-analyst update assignee →soc-1',
      'test-analyst comment →looking at it',
      'test-analyst update status acknowledged→resolved',
      'test-analyst update closeReason →benign-positive',
    ]);
  });

  test('the same capture again is a no-op: the job says skipped, the store is unchanged', async () => {
    const before = await storeCounts();
    const up = await upload('again.pcap', readFileSync(XIAOMI), 'uploader');
    expect(up.status).toBe(202);
    const job = await waitJob(up.body.job.id);
    expect(job.state).toBe('done');
    expect(job.ingest.status).toBe('skipped');
    expect(await storeCounts()).toEqual(before);
    // triage survives
    expect((await get(`/api/v1/alerts/${alertId}`)).body.status).toBe('resolved');
  });

  test('exports: CSV, JSON lines and ECS', async () => {
    const csv = await fetch(`${h.base}/api/v1/alerts/export?format=csv`, { headers: h.auth('analyst') });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,severity,score,detector,status,deviceIp/);
    const n = (await get('/api/v1/alerts?limit=500')).body.items.length;
    expect(lines.length).toBe(n + 1);
    const ecs = await fetch(`${h.base}/api/v1/alerts/export?format=ecs&status=resolved`, {
      headers: h.auth('analyst'),
    });
    const docs = (await ecs.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toHaveLength(1);
    expect(docs[0].event.kind).toBe('alert');
    expect(docs[0].event.category).toEqual(['network', 'intrusion_detection']);
    expect(docs[0].related.ip).toContain(docs[0].source.ip);
    const jsonl = await fetch(`${h.base}/api/v1/alerts/export?format=jsonl`, { headers: h.auth('analyst') });
    expect((await jsonl.text()).trim().split('\n')).toHaveLength(n);
  });

  test('devices: inventory with open alerts, and one device peers', async () => {
    const devs = await get('/api/v1/devices');
    expect(devs.status).toBe(200);
    const d = devs.body.items.find((x: Json) => x.ip === '192.168.2.100');
    expect(d).toBeDefined();
    expect(d.flows).toBeGreaterThan(0);
    const peers = await get('/api/v1/devices/192.168.2.100/peers?since=2000-01-01T00:00:00Z');
    expect(peers.status).toBe(200);
    expect(peers.body.items.map((p: Json) => p.peerIp)).toContain('203.107.1.65');
  });
});

describe('malformed uploads: problem+json, store unchanged', () => {
  const bad: [string, () => Uint8Array, number, string][] = [
    [
      'not a capture',
      () => new TextEncoder().encode('this is a shopping list, not a capture\n'),
      400,
      'CW_ERR_INPUT_UNKNOWN_FORMAT',
    ],
    ['too big', () => readFileSync(BIG), 413, 'CW_ERR_INPUT_TOO_LARGE'],
    [
      'truncated',
      () => {
        const b = readFileSync(XIAOMI);
        const cut = new Uint8Array(b.subarray(0, Math.floor(b.length / 2) + 7));
        cut[40] ^= 0; // same header, last packet cut short
        return cut;
      },
      400,
      'CW_ERR_INPUT_TRUNCATED',
    ],
    ['empty', () => new Uint8Array(0), 400, 'CW_ERR_INPUT_UNKNOWN_FORMAT'],
  ];
  for (const [what, bytes, status, code] of bad) {
    test(what, async () => {
      const before = await storeCounts();
      const up = await upload(`${what.replace(/ /g, '-')}.pcap`, bytes());
      expect(up.type).toContain('application/problem+json');
      expect(up.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
      expect(up.body.detail).toContain('nothing was stored');
      expect(JSON.stringify(up.body)).not.toMatch(/\n\s+at /); // no stack
      expect(await storeCounts()).toEqual(before);
    });
  }

  test('a request without the file field', async () => {
    const form = new FormData();
    form.append('other', 'x');
    const res = await fetch(`${h.base}/api/v1/uploads`, {
      method: 'POST',
      body: form,
      headers: h.auth('uploader'),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
