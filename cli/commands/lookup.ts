/**
 * `camwatch lookup <address...>`: what camwatch knows of an address: class, country, city, ASN,
 * organisation, inventory entry (and, once a caller passes `matchRules`, the rules it matches).
 *
 * Extension point: `registerLookup(program, { matchRules })`. The callback receives everything
 * known of the address and returns the rule matches to show; the analyzer's rule packs plug in
 * there (cli composes ingest and analyzer; neither imports the other).
 */

import type { Command } from 'commander';
import type { AddressInfo, Enricher } from '../../ingest/enrich/index.js';

/** One rule an address matches, as `lookup` shows it. */
export interface LookupRuleMatch {
  /** Rule id, e.g. `hikvision.hik-connect`. */
  id: string;
  /** Short words for the table, e.g. the vendor or list the rule belongs to. */
  label?: string;
}

export interface LookupExtensions {
  /** Rule matches of an address; called once per address looked up. */
  matchRules?: (info: AddressInfo) => readonly LookupRuleMatch[] | Promise<readonly LookupRuleMatch[]>;
}

export interface LookupFlags {
  format?: 'table' | 'jsonl';
  geoDb: string[];
  asnDb: string[];
  inventory?: string;
  openData: boolean;
}

/** The jsonl object of one address: absent values are omitted. */
export interface LookupRecord {
  ip: string;
  class: string;
  country?: string;
  city?: string;
  asn?: number;
  asOrg?: string;
  watched?: boolean;
  inventory?: {
    role: string;
    name?: string;
    site?: string;
    vendor?: string;
    model?: string;
    mac?: string;
    cidr?: string;
  };
  rules?: LookupRuleMatch[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerLookup(program: Command, ext: LookupExtensions = {}): void {
  program
    .command('lookup')
    .description('What camwatch knows of addresses: class, country, city, ASN, organisation, inventory entry')
    .argument('<address...>', 'IPv4 or IPv6 addresses')
    .option('-f, --format <format>', 'table | jsonl (default: table on a terminal, jsonl otherwise)')
    .option(
      '--geo-db <file>',
      'country/city MMDB (GeoLite2/GeoIP2, DB-IP, IPinfo...); repeatable',
      collect,
      [],
    )
    .option('--asn-db <file>', 'ASN MMDB (GeoLite2-ASN, GeoIP2-ISP...) or range CSV; repeatable', collect, [])
    .option('--inventory <file>', 'inventory: YAML/JSON config or a cameras CSV')
    .option('--no-open-data', 'do not fall back to the open data installed with camwatch')
    .addHelpText(
      'after',
      '\nEnvironment: CAMWATCH_GEO_DB, CAMWATCH_ASN_DB (comma-separated files) when the flags are not given.\n' +
        'Open data: country from ip-location-db (CC0); ASN from RouteViews, NRO and DB-IP (CC BY 4.0).',
    )
    .action(async (addresses: string[], flags: LookupFlags) => {
      process.exitCode = await runLookup(addresses, flags, ext);
    });
}

function toRecord(
  info: AddressInfo,
  input: string,
  rules: readonly LookupRuleMatch[] | undefined,
): LookupRecord {
  const rec: LookupRecord = { ip: info.class === 'unknown' ? input : info.ip, class: info.class };
  const g = info.geo;
  if (g.country !== undefined) rec.country = g.country;
  if (g.city !== undefined) rec.city = g.city;
  if (g.asn !== undefined) rec.asn = g.asn;
  if (g.asOrg !== undefined) rec.asOrg = g.asOrg;
  if (info.class !== 'unknown') rec.watched = info.watched;
  const inv = info.inventory;
  if (inv !== undefined) {
    rec.inventory = { role: inv.role };
    for (const k of ['name', 'site', 'vendor', 'model', 'mac', 'cidr'] as const) {
      if (inv[k] !== undefined) rec.inventory[k] = inv[k];
    }
  }
  if (rules !== undefined) rec.rules = [...rules];
  return rec;
}

function inventoryText(r: LookupRecord): string {
  const i = r.inventory;
  if (i === undefined) return r.watched ? 'device' : '';
  const what = [i.name, i.vendor, i.model].filter(Boolean).join(' ');
  return `${i.role}${what ? ` ${what}` : ''}${i.site ? ` @${i.site}` : ''}`;
}

function table(records: LookupRecord[], withRules: boolean): string {
  const head = ['address', 'class', 'country', 'city', 'asn', 'organisation', 'inventory'];
  if (withRules) head.push('rules');
  const rows = records.map((r) => {
    const row = [
      r.ip,
      r.class,
      r.country ?? '',
      r.city ?? '',
      r.asn !== undefined ? `AS${r.asn}` : '',
      r.asOrg ?? '',
      inventoryText(r),
    ];
    if (withRules) row.push((r.rules ?? []).map((m) => m.label ?? m.id).join(', '));
    return row;
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** Run the command; returns the exit code (1 when an argument is not an address). */
export async function runLookup(
  addresses: string[],
  flags: LookupFlags,
  ext: LookupExtensions = {},
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; isTTY: boolean } = {
    out: process.stdout,
    err: process.stderr,
    isTTY: process.stdout.isTTY === true,
  },
): Promise<number> {
  const format = flags.format ?? (io.isTTY ? 'table' : 'jsonl');
  if (format !== 'table' && format !== 'jsonl') {
    io.err.write(`camwatch lookup: unknown --format '${format}' (table, jsonl)\n`);
    return 2;
  }
  const { createEnricher, geoConfigFromEnv, OPEN_DATA_ATTRIBUTION } = await import(
    '../../ingest/enrich/index.js'
  );
  const env = geoConfigFromEnv();
  const enricher: Enricher = createEnricher({
    geo: {
      geoDb: flags.geoDb.length > 0 ? flags.geoDb : env.geoDb,
      asnDb: flags.asnDb.length > 0 ? flags.asnDb : env.asnDb,
      openData: flags.openData !== false && env.openData !== false,
    },
    ...(flags.inventory !== undefined && { inventoryFile: flags.inventory }),
  });
  try {
    const records: LookupRecord[] = [];
    for (const a of addresses) {
      const info = enricher.describe(a.trim());
      const rules = ext.matchRules ? await ext.matchRules(info) : undefined;
      records.push(toRecord(info, a, rules));
    }
    if (format === 'jsonl') {
      io.out.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    } else {
      io.out.write(table(records, ext.matchRules !== undefined));
      if (enricher.geo.sources.some((s) => s.openData)) io.err.write(`${OPEN_DATA_ATTRIBUTION}\n`);
    }
    for (const pkg of enricher.geo.missingOpenData) {
      io.err.write(
        `camwatch lookup: open data ${pkg} is not installed; pass --geo-db/--asn-db for geo and ASN\n`,
      );
    }
    const bad = records.filter((r) => r.class === 'unknown').map((r) => r.ip);
    if (bad.length > 0) io.err.write(`camwatch lookup: not an IP address: ${bad.join(', ')}\n`);
    return bad.length > 0 ? 1 : 0;
  } finally {
    enricher.close();
  }
}
