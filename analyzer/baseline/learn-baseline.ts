/**
 * `camwatch baseline learn`: materialise, per device, the peers it talked to in a period into the
 * store's `baselines` table, so the new-peer detector and the MUD export keep working after those
 * flows age out (the store's TTL). One INSERT … SELECT in the store: the rows never pass through Node.
 *
 * What a row is: (device, peer key, protocol, port, who initiated), with flows, bytes out/in, first and
 * last seen, up to 10 peer addresses, and whether the peer was local under the rules in use. The peer
 * key is the detectors' own (FLOW_VIEW_SQL: name first, address second; a DNS flow is keyed by its
 * resolver). Device-initiated flows record the peer's port; peer-initiated flows are kept only from
 * local peers (an NVR pulling RTSP) and record the device's own port — a contact opened from the
 * internet is an exposure the inbound-internet detector reports, never part of a profile. Outbound
 * telnet/SSH (the protocol detectors' scans) is left out: a Mirai scan would add thousands of peers.
 */
import { CamwatchError } from '../../model/index.js';
import {
  type BaselineEntry,
  deleteBaselineRows,
  findBaseline,
  requireBaseline,
  type Store,
  saveBaselineEntry,
} from '../../store/index.js';
import { FLOW_VIEW_SQL, viewParams } from '../queries/flow-view.js';
import type { CompiledRules } from '../rules/compiled-rules.js';
import { cidrToIpv6Range, parseCidr } from '../rules/ip-address.js';

/** A baseline name: what `--baseline NAME` and the MUD URL carry. */
export const BASELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface LearnBaselineOptions {
  name: string;
  sinceMs: number;
  untilMs: number;
  /** Device addresses or networks (CIDR); empty: every device with flows in the period. */
  devices?: readonly string[];
  /** Learn again over an existing baseline of that name (its rows are replaced). */
  replace?: boolean;
  /** When it was learned (default now). */
  nowMs?: number;
}

export const LEARN_BASELINE_SQL = `
INSERT INTO baselines (name, device_ip, peer_name, peer_ip, peer_ips, proto, port, initiated, local,
  flows, bytes_out, bytes_in, first_seen, last_seen, device_name, device_vendor, device_site)
SELECT {name:String}, dev, name_key, ip_key, groupUniqArray(10)(peer), proto,
  if(inbound, dport, pport) AS row_port, if(inbound, 'peer', 'device') AS row_initiated, min(peer_local),
  count(), sum(bytes_out), sum(bytes_in), min(start), max(end),
  anyIf(device_name, device_name != ''), anyIf(device_vendor, device_vendor != ''),
  anyIf(device_site, device_site != '')
FROM (${FLOW_VIEW_SQL})
WHERE NOT (protocol_only AND proto = 6)
  AND (NOT inbound OR peer_local)
  AND (empty({devLo:Array(IPv6)}) OR arrayExists((l, h) -> dev >= l AND dev <= h, {devLo:Array(IPv6)}, {devHi:Array(IPv6)}))
GROUP BY dev, name_key, ip_key, proto, row_port, row_initiated`;

function deviceRanges(devices: readonly string[]): { devLo: string[]; devHi: string[] } {
  const devLo: string[] = [];
  const devHi: string[] = [];
  for (const d of devices) {
    const c = parseCidr(d);
    if (!c)
      throw new CamwatchError(
        'CW_ERR_CONFIG_INVALID',
        `--device ${JSON.stringify(d)} is not an address or CIDR network`,
        { statusCode: 400 },
      );
    const [lo, hi] = cidrToIpv6Range(c);
    devLo.push(lo);
    devHi.push(hi);
  }
  return { devLo, devHi };
}

/** Learns a baseline and returns its entry. Throws CW_ERR_BASELINE_EXISTS / _EMPTY, CW_ERR_CONFIG_INVALID. */
export async function learnBaseline(
  store: Store,
  rules: CompiledRules,
  opts: LearnBaselineOptions,
): Promise<BaselineEntry> {
  if (!BASELINE_NAME_PATTERN.test(opts.name))
    throw new CamwatchError(
      'CW_ERR_CONFIG_INVALID',
      `baseline name ${JSON.stringify(opts.name)}: letters, digits, '.', '_', '-' (at most 100)`,
      { statusCode: 400 },
    );
  if (!(opts.untilMs > opts.sinceMs))
    throw new CamwatchError('CW_ERR_CONFIG_INVALID', 'the baseline period ends before it starts', {
      statusCode: 400,
    });
  const ranges = deviceRanges(opts.devices ?? []);
  if (!opts.replace && (await findBaseline(store, opts.name)))
    throw new CamwatchError(
      'CW_ERR_BASELINE_EXISTS',
      `a baseline named ${JSON.stringify(opts.name)} was already learned (learn it again with --replace)`,
      { statusCode: 409 },
    );
  // rows of an earlier learn of this name, or of one cut short before its entry was written
  await deleteBaselineRows(store, opts.name);
  await store.command(LEARN_BASELINE_SQL, {
    ...viewParams(rules, { sinceMs: opts.sinceMs, untilMs: opts.untilMs }),
    ...ranges,
    name: opts.name,
  });
  const [n] = await store.rows<{ n: string | number }>(
    'SELECT count() AS n FROM baselines WHERE name = {name:String}',
    { name: opts.name },
  );
  if (Number(n?.n ?? 0) === 0) {
    throw new CamwatchError(
      'CW_ERR_BASELINE_EMPTY',
      `no flows of ${opts.devices?.length ? opts.devices.join(', ') : 'any device'} from ` +
        `${new Date(opts.sinceMs).toISOString()} to ${new Date(opts.untilMs).toISOString()} in ${store.where}: nothing to learn`,
      { statusCode: 422 },
    );
  }
  await saveBaselineEntry(store, {
    name: opts.name,
    sinceMs: opts.sinceMs,
    untilMs: opts.untilMs,
    deviceFilter: [...(opts.devices ?? [])],
    learnedAtMs: opts.nowMs ?? Date.now(),
  });
  return requireBaseline(store, opts.name);
}
