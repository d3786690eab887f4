import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LookupFlags, runLookup } from '../../cli/commands/lookup.js';
import { buildProgram } from '../../cli/program.js';
import { CLI, data } from '../helpers/paths.js';

const dbs: LookupFlags = {
  geoDb: [data('mmdb/test-data/GeoIP2-City-Test.mmdb')],
  asnDb: [data('mmdb/test-data/GeoLite2-ASN-Test.mmdb')],
  openData: false,
};

async function run(addresses: string[], flags: Partial<LookupFlags>, ext = {}, isTTY = false) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  const code = await runLookup(addresses, { ...dbs, ...flags }, ext, { out, err, isTTY });
  return { code, stdout, stderr };
}

describe('camwatch lookup', () => {
  it('jsonl: one object per address with class, geo, asn as a number, inventory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-lookup-'));
    const inv = join(dir, 'cams.csv');
    writeFileSync(inv, 'ip,name,vendor,site\n10.0.0.5,door,Axis,hq\n');
    const r = await run(['89.160.20.112', '10.0.0.5', '2001:db8::1', '::ffff:81.2.69.142'], {
      format: 'jsonl',
      inventory: inv,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        ip: '89.160.20.112',
        class: 'public',
        country: 'SE',
        city: 'Linköping',
        asn: 29518,
        asOrg: 'Bredband2 AB',
        watched: false,
      },
      {
        ip: '10.0.0.5',
        class: 'private',
        watched: true,
        inventory: { role: 'camera', name: 'door', vendor: 'Axis', site: 'hq' },
      },
      { ip: '2001:db8::1', class: 'documentation', watched: false },
      { ip: '81.2.69.142', class: 'public', country: 'GB', city: 'London', watched: false },
    ]);
  });

  it('table on a terminal; garbage is reported and exits 1', async () => {
    const r = await run(['81.2.69.142', 'not-an-ip'], {}, {}, true);
    expect(r.code).toBe(1);
    const [head, first, second] = r.stdout.split('\n');
    expect(head).toMatch(/^address\s+class\s+country\s+city\s+asn\s+organisation\s+inventory$/);
    expect(first).toMatch(/^81\.2\.69\.142\s+public\s+GB\s+London/);
    expect(second).toMatch(/^not-an-ip\s+unknown/);
    expect(r.stderr).toContain('not an IP address: not-an-ip');
  });

  it('rule matches come from the extension callback', async () => {
    const r = await run(
      ['89.160.20.112', '10.1.1.1'],
      { format: 'jsonl' },
      {
        matchRules: (info: { class: string; geo: { asn?: number } }) =>
          info.geo.asn === 29518 ? [{ id: 'watch.asn-29518', label: 'watched ASN' }] : [],
      },
    );
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].rules).toEqual([{ id: 'watch.asn-29518', label: 'watched ASN' }]);
    expect(lines[1].rules).toEqual([]);
  });

  it('a broken database is one clear error naming the file', async () => {
    const bad = data('mmdb/test-data/GeoIP2-City-Test-Broken-Double-Format.mmdb');
    await expect(run(['1.1.1.1'], { geoDb: [data('mmdb/nope.mmdb')] })).rejects.toMatchObject({
      code: 'CW_ERR_ENRICH_DB',
      message: expect.stringContaining('nope.mmdb'),
    });
    // the broken-double file either fails at open or answers without throwing
    await run(['1.1.1.1'], { geoDb: [bad] }).then(
      (r) => expect(r.code).toBe(0),
      (e) => expect(e.code).toBe('CW_ERR_ENRICH_DB'),
    );
  });

  it('is registered in the program with its flags', () => {
    const cmd = buildProgram().commands.find((c) => c.name() === 'lookup');
    expect(cmd).toBeDefined();
    const flags = cmd!.options.map((o) => o.long);
    expect(flags).toEqual(
      expect.arrayContaining(['--format', '--geo-db', '--asn-db', '--inventory', '--no-open-data']),
    );
  });

  it.skipIf(!existsSync(CLI))('the built command prints jsonl', () => {
    const out = execFileSync(
      'node',
      [
        CLI,
        'lookup',
        '--format',
        'jsonl',
        '--no-open-data',
        '--geo-db',
        dbs.geoDb[0],
        '--asn-db',
        dbs.asnDb[0],
        '216.160.83.56',
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({
      ip: '216.160.83.56',
      class: 'public',
      country: 'US',
      city: 'Milton',
    });
  });
});
