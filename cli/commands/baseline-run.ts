/**
 * The work of `camwatch baseline learn|list|show|export` (flags: baseline.ts). Each returns the exit
 * code: 0 done, 1 the store or a rule pack failed, 2 bad usage (an unknown baseline, device or group,
 * a bad time, a name already learned without --replace).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaselineEntry, BaselinePeer, Store } from '../../store/index.js';
import { parseSince } from './alerts.js';
import type {
  BaselineExportFlags,
  BaselineLearnFlags,
  BaselineListFlags,
  BaselineShowFlags,
} from './baseline.js';
import { storeOptionsFrom } from './ingest.js';

const USAGE = 2;
const FAILED = 1;
/** Errors that are the user's to fix with other arguments. */
const USAGE_CODES = new Set([
  'CW_ERR_CONFIG_INVALID',
  'CW_ERR_BASELINE_NOT_FOUND',
  'CW_ERR_BASELINE_EXISTS',
  'CW_ERR_NOT_FOUND',
]);

const say = (cmd: string, s: string): void => {
  process.stderr.write(`camwatch baseline ${cmd}: ${s}\n`);
};
const iso = (ms: number): string => new Date(ms).toISOString();
const utc = (ms: number): string => iso(ms).slice(0, 16).replace('T', ' ');

/** Opens the store, runs the job, closes; a failure is printed and becomes the exit code. */
async function withStore(
  cmd: string,
  flags: { data?: string },
  job: (store: Store) => Promise<number>,
): Promise<number> {
  const { openStore } = await import('../../store/index.js');
  try {
    const store = await openStore(storeOptionsFrom(flags));
    try {
      return await job(store);
    } finally {
      await store.close();
    }
  } catch (e) {
    say(cmd, (e as Error).message);
    return USAGE_CODES.has((e as { code?: string }).code ?? '') ? USAGE : FAILED;
  }
}

function checkFormat(cmd: string, format: string, allowed: readonly string[]): boolean {
  if (allowed.includes(format)) return true;
  say(cmd, `unknown --format '${format}' (${allowed.join(', ')})`);
  return false;
}

/** `20240311T0800Z-20240318T0800Z`: a default name that says the period. */
const periodName = (sinceMs: number, untilMs: number): string =>
  [sinceMs, untilMs]
    .map((t) => iso(t).slice(0, 16).replace(/[-:]/g, ''))
    .join('Z-')
    .concat('Z');

export function entryToJson(e: BaselineEntry): Record<string, unknown> {
  return {
    name: e.name,
    since: iso(e.sinceMs),
    until: iso(e.untilMs),
    deviceFilter: e.deviceFilter,
    devices: e.devices,
    peers: e.peers,
    rows: e.rows,
    flows: e.flows,
    learnedAt: iso(e.learnedAtMs),
  };
}

function peerToJson(name: string, p: BaselinePeer): Record<string, unknown> {
  return {
    baseline: name,
    deviceIp: p.deviceIp,
    peer: p.peerKey,
    peerName: p.peerName ?? null,
    peerIps: p.peerIps,
    proto: p.proto,
    port: p.port,
    initiated: p.initiated,
    local: p.local,
    flows: p.flows,
    bytesOut: p.bytesOut,
    bytesIn: p.bytesIn,
    firstSeen: iso(p.firstMs),
    lastSeen: iso(p.lastMs),
  };
}

export async function runBaselineLearn(flags: BaselineLearnFlags): Promise<number> {
  if (!checkFormat('learn', flags.format, ['text', 'jsonl'])) return USAGE;
  const nowMs = Date.now();
  const sinceMs = parseSince(flags.since, nowMs);
  const untilMs = flags.until === undefined ? nowMs : parseSince(flags.until, nowMs);
  if (sinceMs === undefined || untilMs === undefined) {
    say(
      'learn',
      `cannot read --${sinceMs === undefined ? 'since' : 'until'} (an ISO date/time like 2024-03-11T08:00Z, or 7d)`,
    );
    return USAGE;
  }
  const { learnBaseline, loadRules } = await import('../../analyzer/index.js');
  let rules: Awaited<ReturnType<typeof loadRules>>;
  try {
    rules = await loadRules({ paths: flags.rules ?? [] });
  } catch (e) {
    say('learn', (e as Error).message);
    return FAILED;
  }
  return withStore('learn', flags, async (store) => {
    const entry = await learnBaseline(store, rules, {
      name: flags.name ?? periodName(sinceMs, untilMs),
      sinceMs,
      untilMs,
      devices: flags.device ?? [],
      replace: flags.replace,
      nowMs,
    });
    if (flags.format === 'jsonl') process.stdout.write(`${JSON.stringify(entryToJson(entry))}\n`);
    else
      process.stdout.write(
        `learned baseline ${entry.name}: ${entry.devices.length} device(s), ${entry.peers} peer(s) ` +
          `(${entry.rows} rows from ${entry.flows} flows), ${utc(entry.sinceMs)} → ${utc(entry.untilMs)} UTC\n`,
      );
    return 0;
  });
}

export async function runBaselineList(flags: BaselineListFlags): Promise<number> {
  if (!checkFormat('list', flags.format, ['table', 'jsonl'])) return USAGE;
  const { listBaselines } = await import('../../store/index.js');
  return withStore('list', flags, async (store) => {
    const list = await listBaselines(store);
    if (flags.format === 'jsonl') {
      process.stdout.write(list.map((e) => `${JSON.stringify(entryToJson(e))}\n`).join(''));
      return 0;
    }
    const { textTable, humanNumber } = await import('../text-table.js');
    if (list.length === 0) say('list', `no baseline learned in ${store.where} yet (camwatch baseline learn)`);
    else
      process.stdout.write(
        `${textTable(
          ['name', 'from (UTC)', 'to (UTC)', 'devices', 'peers', 'flows', 'learned (UTC)'],
          list.map((e) => [
            e.name,
            utc(e.sinceMs),
            utc(e.untilMs),
            String(e.devices.length),
            humanNumber(e.peers),
            humanNumber(e.flows),
            utc(e.learnedAtMs),
          ]),
          new Set([3, 4, 5]),
        )}\n`,
      );
    return 0;
  });
}

export async function runBaselineShow(name: string, flags: BaselineShowFlags): Promise<number> {
  if (!checkFormat('show', flags.format, ['table', 'jsonl'])) return USAGE;
  const { readBaselinePeers, requireBaseline } = await import('../../store/index.js');
  return withStore('show', flags, async (store) => {
    await requireBaseline(store, name);
    const peers = await readBaselinePeers(store, name, flags.device ?? []);
    const { Output } = await import('../output.js');
    const out = new Output();
    if (flags.format === 'jsonl') {
      await out.write(peers.map((p) => `${JSON.stringify(peerToJson(name, p))}\n`).join(''));
      return 0;
    }
    const { textTable, humanNumber } = await import('../text-table.js');
    const proto = (p: BaselinePeer): string =>
      `${p.proto === 6 ? 'tcp' : p.proto === 17 ? 'udp' : `ip/${p.proto}`}${p.port ? `/${p.port}` : ''}`;
    await out.write(
      `${textTable(
        [
          'device',
          'peer',
          'proto/port',
          'opened by',
          'local',
          'flows',
          'out',
          'in',
          'first (UTC)',
          'last (UTC)',
        ],
        peers.map((p) => [
          p.deviceIp,
          p.peerKey,
          proto(p),
          p.initiated,
          p.local ? 'yes' : '',
          humanNumber(p.flows),
          humanNumber(p.bytesOut),
          humanNumber(p.bytesIn),
          utc(p.firstMs),
          utc(p.lastMs),
        ]),
        new Set([5, 6, 7]),
      )}\n`,
    );
    return 0;
  });
}

export async function runBaselineExport(
  name: string | undefined,
  flags: BaselineExportFlags,
): Promise<number> {
  if (!flags.mud) {
    say('export', 'choose the format: --mud (MUD, RFC 8520, the only one)');
    return USAGE;
  }
  if (flags.group !== undefined && flags.device?.length) {
    say('export', '--device and --group do not go together');
    return USAGE;
  }
  if (flags.urlBase !== undefined && !/^https:\/\/[^/]+\/(.*\/)?$/.test(flags.urlBase)) {
    say('export', `--url-base must be an https URL ending in / (got '${flags.urlBase}')`);
    return USAGE;
  }
  const analyzer = await import('../../analyzer/index.js');
  let rules: Awaited<ReturnType<typeof analyzer.loadRules>>;
  try {
    rules = await analyzer.loadRules({ paths: flags.rules ?? [] });
  } catch (e) {
    say('export', (e as Error).message);
    return FAILED;
  }
  const { listBaselines, requireBaseline } = await import('../../store/index.js');
  return withStore('export', flags, async (store) => {
    let entry: BaselineEntry | undefined;
    if (name !== undefined) entry = await requireBaseline(store, name);
    else [entry] = await listBaselines(store);
    if (!entry) {
      say('export', `no baseline learned in ${store.where} yet (camwatch baseline learn)`);
      return USAGE;
    }
    const profiles = await analyzer.mudProfiles(store, rules, entry, {
      devices: flags.device ?? [],
      ...(flags.group !== undefined ? { group: flags.group } : {}),
      ...(flags.urlBase !== undefined ? { urlBase: flags.urlBase } : {}),
    });
    const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
    if (flags.out === undefined) {
      if (profiles.length !== 1) {
        say(
          'export',
          `${profiles.length} profiles (one per device): write them with --out DIR, or pick one --device`,
        );
        return USAGE;
      }
      process.stdout.write(json(profiles[0]!.mud));
      return 0;
    }
    const { stringify } = await import('yaml');
    await mkdir(flags.out, { recursive: true });
    for (const p of profiles) await writeFile(join(flags.out, p.fileName), json(p.mud));
    const bindings = join(flags.out, `${entry.name}.mud-bindings.yaml`);
    await writeFile(
      bindings,
      `# Generated by camwatch baseline export --mud: which devices each MUD file applies to.\n${stringify(
        analyzer.mudBindingsPack(entry, profiles),
      )}`,
    );
    say('export', `${profiles.length} MUD file(s) and ${bindings} written to ${flags.out}`);
    return 0;
  });
}
