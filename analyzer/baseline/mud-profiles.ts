/**
 * `camwatch baseline export --mud`: which MUD files a learned baseline gives (one per device, or one for
 * a device group of the operator rules), and the operator pack that binds each file's MUD URL to its
 * devices, so the folder written can be loaded as rules as it is (`--rules DIR`).
 *
 * The MUD URL is `<urlBase><baseline>/<file>`: RFC 8520 wants an https URL that a device would
 * announce; a learned profile has no manufacturer server, so the default base is under `.invalid`
 * (RFC 6761), a name that can never resolve.
 */
import { CamwatchError } from '../../model/index.js';
import { type BaselineEntry, type BaselinePeer, readBaselinePeers, type Store } from '../../store/index.js';
import type { CompiledRules } from '../rules/compiled-rules.js';
import type { MudFile } from '../rules/mud-file.js';
import type { DeviceGroup, MudBinding, OperatorPack } from '../rules/rule-types.js';
import { baselineToMud } from './mud-export.js';

export const DEFAULT_MUD_URL_BASE = 'https://camwatch.invalid/mud/';

export interface MudProfile {
  /** The device address or the group id. */
  subject: string;
  /** `10.20.1.15.mud.json`, `group-axis-cams.mud.json`. */
  fileName: string;
  mud: MudFile;
  binding: MudBinding;
  /** The group definition, for a group's binding. */
  group?: DeviceGroup;
}

export interface MudProfileRequest {
  /** Only these devices (addresses as learned); default every device of the baseline. */
  devices?: readonly string[];
  /** One profile for this device group (operator rules) instead of one per device. */
  group?: string;
  urlBase?: string;
}

const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '-');

function describe(entry: BaselineEntry, who: string): string {
  return (
    `${who}: camwatch baseline ${entry.name}, ` +
    `learned from ${new Date(entry.sinceMs).toISOString()} to ${new Date(entry.untilMs).toISOString()}`
  );
}

/** `10.20.1.15 (cam-lobby, Hikvision)`: the device and what the inventory or enrichment named it. */
function deviceLabel(device: string, peers: readonly BaselinePeer[]): string {
  const what = [peers[0]?.deviceName, peers[0]?.deviceVendor].filter(Boolean).join(', ');
  return what ? `${device} (${what})` : device;
}

/** The single vendor of the devices, when they agree. */
function vendorOf(peers: readonly BaselinePeer[]): string | undefined {
  const vendors = new Set(peers.map((p) => p.deviceVendor).filter(Boolean));
  return vendors.size === 1 ? [...vendors][0] : undefined;
}

export async function mudProfiles(
  store: Store,
  rules: CompiledRules,
  entry: BaselineEntry,
  req: MudProfileRequest = {},
): Promise<MudProfile[]> {
  const base = req.urlBase ?? DEFAULT_MUD_URL_BASE;
  const urlOf = (file: string): string => `${base}${encodeURIComponent(entry.name)}/${file}`;
  const missing = (req.devices ?? []).filter((d) => !entry.devices.includes(d));
  if (missing.length > 0)
    throw new CamwatchError(
      'CW_ERR_NOT_FOUND',
      `baseline ${entry.name} learned nothing for ${missing.join(', ')} (its devices: ${entry.devices.slice(0, 10).join(', ')}${entry.devices.length > 10 ? ', …' : ''})`,
      { statusCode: 404 },
    );
  const peers = await readBaselinePeers(store, entry.name, req.devices ?? []);
  const lastUpdateMs = entry.learnedAtMs;
  if (req.group !== undefined) {
    const group = rules.groupDefinition(req.group);
    if (!group)
      throw new CamwatchError(
        'CW_ERR_NOT_FOUND',
        `no device group ${JSON.stringify(req.group)} in the operator rules (--rules)`,
        { statusCode: 404 },
      );
    const mine = peers.filter((p) =>
      rules.inGroup(req.group!, {
        ip: p.deviceIp,
        ...(p.deviceSite ? { site: p.deviceSite } : {}),
        ...(p.deviceVendor ? { vendor: p.deviceVendor } : {}),
        ...(p.deviceName ? { name: p.deviceName } : {}),
      }),
    );
    if (mine.length === 0)
      throw new CamwatchError(
        'CW_ERR_NOT_FOUND',
        `baseline ${entry.name} learned no device of group ${req.group}`,
        { statusCode: 404 },
      );
    const fileName = `group-${fileSafe(req.group)}.mud.json`;
    const mudUrl = urlOf(fileName);
    return [
      {
        subject: req.group,
        fileName,
        mud: baselineToMud(mine, {
          mudUrl,
          systeminfo: describe(entry, `group ${req.group}`),
          mfgName: vendorOf(mine),
          lastUpdateMs,
        }),
        binding: { url: mudUrl, scope: { groups: [req.group] } },
        group,
      },
    ];
  }
  const byDevice = new Map<string, BaselinePeer[]>();
  for (const p of peers) {
    const list = byDevice.get(p.deviceIp);
    if (list) list.push(p);
    else byDevice.set(p.deviceIp, [p]);
  }
  return [...byDevice.entries()].map(([device, mine]) => {
    const fileName = `${fileSafe(device)}.mud.json`;
    const mudUrl = urlOf(fileName);
    return {
      subject: device,
      fileName,
      mud: baselineToMud(mine, {
        mudUrl,
        systeminfo: describe(entry, deviceLabel(device, mine)),
        mfgName: vendorOf(mine),
        lastUpdateMs,
      }),
      binding: { url: mudUrl, scope: { devices: [device] } },
    };
  });
}

/** The operator pack binding every profile's MUD URL to its devices (`<baseline>.mud-bindings.yaml`). */
export function mudBindingsPack(entry: BaselineEntry, profiles: readonly MudProfile[]): OperatorPack {
  const groups = profiles.flatMap((p) => (p.group ? [p.group] : []));
  return {
    kind: 'operator',
    id: `mud-${entry.name}`,
    description: `Which devices the MUD files exported from camwatch baseline ${entry.name} apply to`,
    ...(groups.length ? { groups } : {}),
    mud: profiles.map((p) => ({ ...p.binding, reason: `learned in camwatch baseline ${entry.name}` })),
  };
}
