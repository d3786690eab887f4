import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileCsvMapping,
  genericCsvReader,
  loadCsvMapping,
} from '../../ingest/flowlogs/generic-csv/generic-csv-reader.js';
import { openInput } from '../../ingest/input/open-input.js';
import { ConfigError } from '../../model/index.js';
import { ROOT } from '../helpers/paths.js';
import { readFile } from './read-all.js';

const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);

describe('generic CSV with a YAML column mapping', () => {
  it('reads the documented firewall export through the mapping found beside it', async () => {
    const file = fixture('generic-csv/firewall-traffic.csv');
    const i = await openInput(file);
    expect(genericCsvReader.detect(i.head, i.name)).toBe(true);
    const r = await readFile(genericCsvReader, file);
    expect(r.flows).toHaveLength(4);
    // 2024/05/02 08:00:10 at +02:00, 31 s, 10.20.0.31:49822 → 47.246.136.150:443 tcp, 5120/1830 bytes
    expect(r.flows[0]).toMatchObject({
      start: Date.UTC(2024, 4, 2, 6, 0, 10),
      end: Date.UTC(2024, 4, 2, 6, 0, 41),
      origIp: '10.20.0.31',
      origPort: 49822,
      respIp: '47.246.136.150',
      respPort: 443,
      proto: 6,
      origBytes: 5120,
      respBytes: 1830,
      origPackets: 14,
      respPackets: 9,
      sourceFormat: 'firewall-csv',
      sourceRecord: 2,
    });
    expect(r.flows[2].respIp).toBe('203.0.113.9'); // quoted cell
    expect(r.flows[3]).toMatchObject({ proto: 1, origPort: 0, respPort: 0 });
    const bad = r.ctx.stats.problems.summaries();
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ reason: 'csv-bad-value', count: 1 });
    expect(bad[0].examples[0]).toMatchObject({
      where: 'line 5',
      detail: "origIp: 'not-an-ip' is not an address",
    });
  });

  it('keepIf drops rows by value, counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-csv-'));
    const csv = join(dir, 'fw.csv');
    writeFileSync(
      csv,
      'ts,src,dst,p,act\n1714600000,10.0.0.1,10.0.0.2,tcp,allow\n1714600001,10.0.0.1,10.0.0.3,udp,deny\n',
    );
    writeFileSync(
      join(dir, 'camwatch-csv.yaml'),
      'columns: {start: ts, origIp: src, respIp: dst, proto: p}\nkeepIf: {act: [allow]}\n',
    );
    const r = await readFile(genericCsvReader, csv);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ start: 1714600000000, proto: 6, sourceFormat: 'csv' });
    expect(r.ctx.stats.counters.csvFilteredRows).toBe(1);
  });

  it('rejects a bad mapping with the file and key', async () => {
    expect(() =>
      compileCsvMapping({ columns: { start: 'a', origIp: 'b', respIp: 'c', bogus: 'd' } }, 'm.yaml'),
    ).toThrow(/m\.yaml: columns\.bogus: not a field/);
    expect(() => compileCsvMapping({ colums: {} }, 'm.yaml')).toThrow(/unknown key 'colums'/);
    expect(() => compileCsvMapping({ columns: { start: 'a' } }, 'm.yaml')).toThrow(ConfigError);
    await expect(loadCsvMapping('/nonexistent.yaml')).rejects.toThrow(/cannot read/);
  });

  it('says what is missing when there is no mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-csv-'));
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    await expect(readFile(genericCsvReader, csv)).rejects.toThrow(/needs a column mapping/);
  });
});
