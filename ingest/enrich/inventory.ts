/**
 * The device inventory: which addresses are cameras (the watched devices), which are NVR/VMS and
 * infrastructure (DNS, NTP, gateways: allowed peers), and what each is called, where it stands and
 * who made it.
 *
 * Sources: a config object (or a YAML/JSON file) with sites and their camera networks, NVRs,
 * infrastructure and a `devices` list; and an optional cameras CSV (ip, mac, name, vendor, model,
 * site; header row, any column order, `#` comments). Exact addresses sit in a Map, networks in a
 * CIDR table (most specific wins), so an NVR inside a site's camera network is an NVR.
 *
 * Which addresses are watched:
 *   - with camera entries (site camera networks or camera rows), exactly those;
 *   - otherwise every private or unique-local address (a capture handed to camwatch comes from a
 *     camera VLAN), so a zero-configuration scan judges every local host;
 *   - a `devices` list narrows either (only addresses inside it), and explicit NVR/infrastructure
 *     entries are never watched.
 *
 * A bad file or value is a ConfigError naming the file and line.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../model/errors.js';
import { classifyIPv4, classifyIPv6, isLocalDeviceClass } from './address-class.js';
import { createCidrTable, type ParsedCidr, parseCidr } from './cidr-table.js';
import { formatIPv4, formatIPv6, type ParsedAddress, parseAddress } from './ip-address.js';
import { macHex } from './vendor-oui.js';

export type InventoryRole = 'camera' | 'nvr' | 'dns' | 'ntp' | 'gateway' | 'infrastructure';

const ROLES: readonly InventoryRole[] = ['camera', 'nvr', 'dns', 'ntp', 'gateway', 'infrastructure'];

/** One inventory entry: an exact address, or a network (a site's camera CIDR). */
export interface InventoryEntry {
  readonly role: InventoryRole;
  /** Canonical address, for exact entries. */
  readonly ip?: string;
  /** Canonical `address/len`, for network entries. */
  readonly cidr?: string;
  readonly name?: string;
  readonly vendor?: string;
  readonly model?: string;
  /** Lower-case colon form. */
  readonly mac?: string;
  readonly site?: string;
}

/** A host given by address (or CIDR) with optional details. */
export interface HostConfig {
  ip: string;
  name?: string;
  site?: string;
  vendor?: string;
  model?: string;
  mac?: string;
}

export interface SiteConfig {
  name: string;
  /** Camera networks (CIDRs or addresses). */
  cameras?: string[];
  /** NVR/VMS addresses of this site. */
  nvrs?: Array<string | HostConfig>;
}

export interface InventoryConfig {
  sites?: SiteConfig[];
  nvrs?: Array<string | HostConfig>;
  infrastructure?: {
    dns?: Array<string | HostConfig>;
    ntp?: Array<string | HostConfig>;
    gateways?: Array<string | HostConfig>;
    other?: Array<string | HostConfig>;
  };
  /** Cameras given inline (same fields as the CSV). */
  cameras?: HostConfig[];
  /** Path of a cameras CSV (relative paths: to the config file, else the working directory). */
  camerasCsv?: string;
  /** CIDRs that narrow the watched devices. */
  devices?: string[];
}

export interface Inventory {
  /** Most specific entry for an address (exact, else network), or undefined. Never throws. */
  lookup(ip: string): InventoryEntry | undefined;
  /** Same, for an already parsed address. */
  lookupParsed(addr: ParsedAddress): InventoryEntry | undefined;
  /** Is this address a watched device (the camera side of its flows)? */
  isWatched(addr: ParsedAddress): boolean;
  /** Whether camera entries were given (else every local address is watched). */
  readonly hasCameras: boolean;
  /** Entries given, for `lookup` output and the devices table. */
  readonly entries: readonly InventoryEntry[];
}

type Where = { file?: string; line?: number; what: string };

function bad(where: Where, message: string): ConfigError {
  const loc = where.file ? `${where.file}${where.line !== undefined ? `: line ${where.line}` : ''}: ` : '';
  return new ConfigError(`${loc}${where.what}: ${message}`);
}

const canonical = (p: ParsedAddress): string => (p.version === 4 ? formatIPv4(p.v4) : formatIPv6(p.words));

function normMac(mac: string | undefined, where: Where): string | undefined {
  if (mac === undefined || mac === '') return undefined;
  const hex = macHex(mac);
  if (hex === undefined) throw bad(where, `invalid MAC address "${mac}"`);
  return hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
}

function asHost(v: unknown, where: Where): HostConfig {
  if (typeof v === 'string') return { ip: v };
  if (typeof v === 'object' && v !== null && typeof (v as HostConfig).ip === 'string') {
    const h = v as Record<string, unknown>;
    for (const k of ['name', 'site', 'vendor', 'model', 'mac']) {
      if (h[k] !== undefined && typeof h[k] !== 'string' && typeof h[k] !== 'number') {
        throw bad(where, `"${k}" must be a string`);
      }
    }
    const str = (k: string): string | undefined =>
      h[k] === undefined || h[k] === '' ? undefined : String(h[k]);
    return {
      ip: String(h.ip),
      name: str('name'),
      site: str('site'),
      vendor: str('vendor'),
      model: str('model'),
      mac: str('mac'),
    };
  }
  throw bad(where, 'expected an address or an object with "ip"');
}

function arrayOf(v: unknown, where: Where): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(where, 'expected a list');
  return v;
}

/** Read the cameras CSV: header row; `ip` required; mac, name, vendor, model, site, role optional. */
export function readCamerasCsv(
  file: string,
  text?: string,
): HostConfig[] & { roles: InventoryRole[]; lines: number[] } {
  let content: string;
  try {
    content = text ?? readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cameras CSV cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      {
        cause: err,
      },
    );
  }
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parseCsv(content, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      comment: '#',
      bom: true,
      relax_column_count: true,
      info: true,
    }) as typeof rows;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new ConfigError(`${file}${line ? `: line ${line}` : ''}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const out = [] as unknown as HostConfig[] & { roles: InventoryRole[]; lines: number[] };
  out.roles = [];
  out.lines = [];
  for (const { record, info } of rows) {
    const where = { file, line: info.lines, what: 'camera row' };
    if (!record.ip) throw bad(where, 'no "ip" column value');
    const role = (record.role || 'camera').toLowerCase() as InventoryRole;
    if (!ROLES.includes(role)) throw bad(where, `unknown role "${record.role}" (${ROLES.join(', ')})`);
    out.push({
      ip: record.ip,
      mac: record.mac || undefined,
      name: record.name || undefined,
      vendor: record.vendor || undefined,
      model: record.model || undefined,
      site: record.site || undefined,
    });
    out.roles.push(role);
    out.lines.push(info.lines);
  }
  return out;
}

/**
 * Load an inventory file: `.csv` is a cameras CSV; anything else is YAML or JSON with the
 * InventoryConfig shape. Relative `camerasCsv` paths are taken from the file's folder.
 */
export function loadInventory(file: string): Inventory {
  if (/\.csv$/i.test(file)) return createInventory({ camerasCsv: file });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: inventory file cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      {
        cause: err,
      },
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML/JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError(
      `${file}: expected a mapping with sites, nvrs, infrastructure, cameras, camerasCsv, devices`,
    );
  }
  return createInventory(doc as InventoryConfig, { file, baseDir: dirname(resolve(file)) });
}

const KNOWN_KEYS = ['sites', 'nvrs', 'infrastructure', 'cameras', 'camerasCsv', 'devices'];

/** Build the inventory (reads `camerasCsv` now). Throws ConfigError on any invalid value. */
export function createInventory(
  config: InventoryConfig = {},
  opts: { file?: string; baseDir?: string } = {},
): Inventory {
  const file = opts.file;
  for (const k of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(k))
      throw bad({ file, what: 'inventory' }, `unknown key "${k}" (${KNOWN_KEYS.join(', ')})`);
  }
  const exact = new Map<string, InventoryEntry>();
  const networks: Array<{ cidr: ParsedCidr; value: InventoryEntry }> = [];
  const entries: InventoryEntry[] = [];
  let hasCameras = false;

  const add = (h: HostConfig, role: InventoryRole, where: Where): void => {
    const siteName = h.site;
    const mac = normMac(h.mac, where);
    const base = {
      role,
      ...(h.name !== undefined && { name: h.name }),
      ...(h.vendor !== undefined && { vendor: h.vendor }),
      ...(h.model !== undefined && { model: h.model }),
      ...(mac !== undefined && { mac }),
      ...(siteName !== undefined && { site: siteName }),
    };
    if (role === 'camera') hasCameras = true;
    const ipText = String(h.ip).trim();
    const addr = ipText.includes('/') ? undefined : parseAddress(ipText);
    if (addr !== undefined) {
      const entry: InventoryEntry = { ...base, ip: canonical(addr) };
      exact.set(entry.ip!, entry);
      entries.push(entry);
      return;
    }
    const cidr = parseCidr(ipText);
    if (cidr === undefined) throw bad(where, `invalid address or CIDR "${h.ip}"`);
    const entry: InventoryEntry = { ...base, cidr: cidr.text };
    networks.push({ cidr, value: entry });
    entries.push(entry);
  };

  arrayOf(config.sites, { file, what: 'sites' }).forEach((s, i) => {
    const where = { file, what: `sites[${i}]` };
    if (typeof s !== 'object' || s === null || typeof (s as SiteConfig).name !== 'string') {
      throw bad(where, 'a site needs a "name"');
    }
    const site = s as SiteConfig;
    arrayOf(site.cameras, { file, what: `sites[${i}].cameras` }).forEach((c, j) => {
      const w = { file, what: `sites[${i}].cameras[${j}]` };
      if (typeof c !== 'string') throw bad(w, 'expected a CIDR or an address');
      add({ ip: c, site: site.name }, 'camera', w);
    });
    arrayOf(site.nvrs, { file, what: `sites[${i}].nvrs` }).forEach((n, j) => {
      const w = { file, what: `sites[${i}].nvrs[${j}]` };
      add({ site: site.name, ...asHost(n, w) }, 'nvr', w);
    });
  });
  arrayOf(config.nvrs, { file, what: 'nvrs' }).forEach((n, i) => {
    const w = { file, what: `nvrs[${i}]` };
    add(asHost(n, w), 'nvr', w);
  });
  const infra = config.infrastructure ?? {};
  if (typeof infra !== 'object') throw bad({ file, what: 'infrastructure' }, 'expected a mapping');
  const infraRoles: Array<[keyof NonNullable<InventoryConfig['infrastructure']>, InventoryRole]> = [
    ['dns', 'dns'],
    ['ntp', 'ntp'],
    ['gateways', 'gateway'],
    ['other', 'infrastructure'],
  ];
  for (const [key, role] of infraRoles) {
    arrayOf(infra[key], { file, what: `infrastructure.${key}` }).forEach((h, i) => {
      const w = { file, what: `infrastructure.${key}[${i}]` };
      add(asHost(h, w), role, w);
    });
  }
  arrayOf(config.cameras, { file, what: 'cameras' }).forEach((c, i) => {
    const w = { file, what: `cameras[${i}]` };
    add(asHost(c, w), 'camera', w);
  });
  if (config.camerasCsv !== undefined) {
    if (typeof config.camerasCsv !== 'string') throw bad({ file, what: 'camerasCsv' }, 'expected a path');
    const csvFile = opts.baseDir ? resolve(opts.baseDir, config.camerasCsv) : config.camerasCsv;
    const rows = readCamerasCsv(csvFile);
    rows.forEach((r, i) => {
      add(r, rows.roles[i], { file: csvFile, line: rows.lines[i], what: 'camera row' });
    });
  }
  const devices = arrayOf(config.devices, { file, what: 'devices' }).map((d, i) => {
    const cidr = typeof d === 'string' ? parseCidr(d) : undefined;
    if (cidr === undefined) throw bad({ file, what: `devices[${i}]` }, `invalid CIDR "${String(d)}"`);
    return { cidr, value: true as const };
  });

  const netTable = createCidrTable(networks);
  const deviceTable = devices.length > 0 ? createCidrTable(devices) : undefined;

  // exact entries without a site take the site of the network they sit in
  for (const [ip, e] of exact) {
    if (e.site === undefined) {
      const net = netTable.lookup(parseAddress(ip)!);
      if (net?.site !== undefined) exact.set(ip, { ...e, site: net.site });
    }
  }

  const lookupParsed = (addr: ParsedAddress): InventoryEntry | undefined =>
    (exact.size > 0 ? exact.get(canonical(addr)) : undefined) ?? netTable.lookup(addr);

  return {
    lookup(ip) {
      const p = parseAddress(ip);
      return p === undefined ? undefined : lookupParsed(p);
    },
    lookupParsed,
    isWatched(addr) {
      const e = lookupParsed(addr);
      if (e !== undefined && e.role !== 'camera') return false;
      if (deviceTable !== undefined && deviceTable.lookup(addr) === undefined) return false;
      if (hasCameras) return e !== undefined;
      if (deviceTable !== undefined) return true;
      return isLocalDeviceClass(addr.version === 4 ? classifyIPv4(addr.v4) : classifyIPv6(addr.words));
    },
    hasCameras,
    entries,
  };
}
