/**
 * Learned baselines in the store: the `baseline_entries` ledger (one entry per baseline, newest
 * version wins) and the `baselines` peer rows (store/schema.ts). The rows are written by the analyzer
 * (analyzer/baseline/learn-baseline.ts, an INSERT … SELECT over the flows); this module saves the
 * entry once they are in, reads both back and deletes a baseline's rows.
 */
import { CamwatchError } from '../model/index.js';
import type { Store } from './connection.js';
import { localName } from './schema.js';

/** One learned baseline. Times are ms since the epoch. */
export interface BaselineEntry {
  name: string;
  /** The period learned from, half-open. */
  sinceMs: number;
  untilMs: number;
  /** The `--device` addresses or networks it was limited to, as given ([] = every device). */
  deviceFilter: string[];
  /** Devices with at least one learned peer, sorted. */
  devices: string[];
  /** Distinct (device, peer) pairs. */
  peers: number;
  /** Rows: (device, peer, protocol, port, initiator). */
  rows: number;
  /** Flows the rows summarise. */
  flows: number;
  learnedAtMs: number;
}

/** One learned peer of one device. */
export interface BaselinePeer {
  deviceIp: string;
  /** The peer key the analyzer uses: the name, else the address. */
  peerKey: string;
  /** Lower-cased name, or undefined when the peer is keyed by its address. */
  peerName: string | undefined;
  /** Addresses seen (up to 10), sorted; the key's own address when keyed by address. */
  peerIps: string[];
  proto: number;
  /** The peer's port when the device initiated, the device's port when the peer did. */
  port: number;
  initiated: 'device' | 'peer';
  /** The peer was inside the local networks of the rules in use when learning. */
  local: boolean;
  flows: number;
  bytesOut: number;
  bytesIn: number;
  firstMs: number;
  lastMs: number;
  deviceName: string | undefined;
  deviceVendor: string | undefined;
  deviceSite: string | undefined;
}

const UNMAP = (col: string): string => `replaceRegexpOne(IPv6NumToString(${col}), '^::ffff:', '')`;
const ms = (col: string): string => `toUnixTimestamp64Milli(${col})`;

let lastVersion = 0;
/** Strictly increasing in this process and above earlier processes' (time-based), as the ingest ledger. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/**
 * Writes the entry of baseline `name` from its rows (devices and counts are counted in the store).
 * INSERT … SELECT, as every chDB insert (store/README.md).
 */
export async function saveBaselineEntry(
  store: Store,
  e: { name: string; sinceMs: number; untilMs: number; deviceFilter: readonly string[]; learnedAtMs: number },
): Promise<void> {
  await store.command(
    'INSERT INTO baseline_entries (name, version, since, until, device_filter, devices, peers, rows, flows, learned_at) ' +
      'SELECT {name:String}, {version:UInt64}, fromUnixTimestamp64Milli({since:Int64}), ' +
      'fromUnixTimestamp64Milli({until:Int64}), {filter:Array(String)}, arraySort(groupUniqArray(device_ip)), ' +
      'uniqExact(device_ip, peer_name, peer_ip), count(), sum(flows), fromUnixTimestamp64Milli({learned:Int64}) ' +
      'FROM baselines WHERE name = {name:String}',
    {
      name: e.name,
      version: nextVersion(),
      since: Math.floor(e.sinceMs),
      until: Math.ceil(e.untilMs),
      filter: e.deviceFilter,
      learned: Math.floor(e.learnedAtMs),
    },
  );
}

const ENTRY_SELECT =
  `SELECT name, ${ms('since')} AS since_ms, ${ms('until')} AS until_ms, device_filter, ` +
  `arrayMap(d -> ${UNMAP('d')}, devices) AS device_list, peers, rows, flows, ${ms('learned_at')} AS learned_ms ` +
  'FROM (SELECT * FROM baseline_entries ORDER BY name, version DESC LIMIT 1 BY name)';

function toEntry(r: Record<string, unknown>): BaselineEntry {
  return {
    name: String(r.name),
    sinceMs: Number(r.since_ms),
    untilMs: Number(r.until_ms),
    deviceFilter: (r.device_filter as string[]) ?? [],
    devices: (r.device_list as string[]) ?? [],
    peers: Number(r.peers),
    rows: Number(r.rows),
    flows: Number(r.flows),
    learnedAtMs: Number(r.learned_ms),
  };
}

/** Every learned baseline, the most recently learned first. */
export async function listBaselines(store: Store): Promise<BaselineEntry[]> {
  const rows = await store.rows<Record<string, unknown>>(`${ENTRY_SELECT} ORDER BY learned_ms DESC, name`);
  return rows.map(toEntry);
}

/** The baseline of that name, or undefined. */
export async function findBaseline(store: Store, name: string): Promise<BaselineEntry | undefined> {
  const [r] = await store.rows<Record<string, unknown>>(`${ENTRY_SELECT} WHERE name = {name:String}`, {
    name,
  });
  return r ? toEntry(r) : undefined;
}

/** The baseline of that name, or a CW_ERR_BASELINE_NOT_FOUND error naming the ones there are. */
export async function requireBaseline(store: Store, name: string): Promise<BaselineEntry> {
  const found = await findBaseline(store, name);
  if (found) return found;
  const names = (await listBaselines(store)).map((b) => b.name);
  throw new CamwatchError(
    'CW_ERR_BASELINE_NOT_FOUND',
    `no baseline named ${JSON.stringify(name)} in ${store.where}` +
      (names.length
        ? ` (learned: ${names.slice(0, 10).join(', ')})`
        : ' (none learned yet: camwatch baseline learn)'),
    { statusCode: 404 },
  );
}

/** The learned peers of a baseline, optionally of some devices only, sorted by device, peer, protocol, port. */
export async function readBaselinePeers(
  store: Store,
  name: string,
  devices: readonly string[] = [],
): Promise<BaselinePeer[]> {
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${UNMAP('device_ip')} AS device, peer_name, ${UNMAP('peer_ip')} AS peer_addr, ` +
      `arraySort(arrayMap(x -> ${UNMAP('x')}, peer_ips)) AS ips, proto, port, initiated, local, flows, ` +
      `bytes_out, bytes_in, ${ms('first_seen')} AS first_ms, ${ms('last_seen')} AS last_ms, ` +
      'device_name, device_vendor, device_site FROM baselines WHERE name = {name:String} ' +
      'AND (empty({devices:Array(String)}) OR has({devices:Array(String)}, device)) ' +
      'ORDER BY device_ip, peer_name, peer_ip, proto, port, initiated',
    { name, devices },
  );
  return rows.map((r) => {
    const peerName = String(r.peer_name) || undefined;
    return {
      deviceIp: String(r.device),
      peerKey: peerName ?? String(r.peer_addr),
      peerName,
      peerIps: r.ips as string[],
      proto: Number(r.proto),
      port: Number(r.port),
      initiated: r.initiated === 'peer' ? 'peer' : 'device',
      local: Number(r.local) === 1,
      flows: Number(r.flows),
      bytesOut: Number(r.bytes_out),
      bytesIn: Number(r.bytes_in),
      firstMs: Number(r.first_ms),
      lastMs: Number(r.last_ms),
      deviceName: String(r.device_name) || undefined,
      deviceVendor: String(r.device_vendor) || undefined,
      deviceSite: String(r.device_site) || undefined,
    };
  });
}

/** Deletes the peer rows of a baseline (before it is learned again). Waited for. */
export async function deleteBaselineRows(store: Store, name: string): Promise<void> {
  const on = store.schema.cluster ? ` ON CLUSTER \`${store.schema.cluster}\`` : '';
  await store.command(
    `DELETE FROM ${localName('baselines', store.schema)}${on} WHERE name = {name:String} ` +
      'SETTINGS lightweight_deletes_sync = 2',
    { name },
  );
}
