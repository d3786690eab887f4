import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ConfigError, ProblemLog } from '../../../model/index.js';
import { addCommunityIds } from '../../flow/community-id.js';
import type { IngestBatch } from '../../reader.js';
import { newBatch } from '../flow-batch.js';
import { NetflowDecoder } from './netflow-decoder.js';
import { decodeDatagram } from './netflow-readers.js';

/**
 * A live NetFlow v5/v9/IPFIX collector on a UDP port. Every datagram goes through the same
 * NetflowDecoder the file and capture readers use (template state per exporter address and
 * observation domain, for the collector's life). Flows come out as IngestBatch values from
 * `batches()`, flushed at `maxBatchRows` or every `flushIntervalMs`, whichever comes first.
 *
 * UDP has no backpressure: when the consumer falls `maxQueuedBatches` behind, further batches are
 * dropped and counted (`stats.droppedFlows`), never buffered without bound.
 */
export interface UdpCollectorConfig {
  /** Address to bind, e.g. 127.0.0.1 or 0.0.0.0 or ::. */
  host: string;
  /** UDP port; 0 picks a free one (see `start()`'s answer). */
  port: number;
  maxBatchRows: number;
  flushIntervalMs: number;
  maxQueuedBatches: number;
  /** Kernel receive buffer to ask for (bytes); exporters send bursts. */
  receiveBufferBytes: number;
}

export const DEFAULT_UDP_COLLECTOR_CONFIG: Omit<UdpCollectorConfig, 'host' | 'port'> = {
  maxBatchRows: 10_000,
  flushIntervalMs: 1_000,
  maxQueuedBatches: 64,
  receiveBufferBytes: 8 * 1024 * 1024,
};

export interface UdpCollectorStats {
  datagrams: number;
  bytes: number;
  flows: number;
  droppedFlows: number;
  exporters: number;
}

/** `host:port` / `[v6]:port` / `port` → host and port. Throws ConfigError on anything else. */
export function parseListen(text: string): { host: string; port: number } {
  const m =
    /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(
      `--listen '${text}': expected host:port, [ipv6]:port or port (e.g. 127.0.0.1:2055)`,
    );
  }
  return { host: m[1] || m[2] || '0.0.0.0', port };
}

export interface UdpCollector {
  /** Binds the socket; resolves with the bound address. */
  start(): Promise<{ address: string; port: number }>;
  /** Closes the socket, flushes the last batch and ends `batches()`. */
  close(): Promise<void>;
  /** Batches of decoded flows, until `close()`. One consumer. */
  batches(): AsyncIterable<IngestBatch>;
  readonly stats: UdpCollectorStats;
  readonly problems: ProblemLog;
}

export function createUdpCollector(
  config: Pick<UdpCollectorConfig, 'host' | 'port'> & Partial<UdpCollectorConfig>,
  deps: { problems?: ProblemLog } = {},
): UdpCollector {
  const cfg: UdpCollectorConfig = { ...DEFAULT_UDP_COLLECTOR_CONFIG, ...config };
  const problems = deps.problems ?? new ProblemLog();
  const decoder = new NetflowDecoder(problems);
  const stats: UdpCollectorStats = { datagrams: 0, bytes: 0, flows: 0, droppedFlows: 0, exporters: 0 };
  const exporters = new Set<string>();
  const name = `udp://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}`;
  let socket: Socket | undefined;
  let batch = newBatch();
  const queue: IngestBatch[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (batch.flows.length === 0) return;
    addCommunityIds(batch.flows);
    if (queue.length >= cfg.maxQueuedBatches) {
      stats.droppedFlows += batch.flows.length;
      problems.add('collector-overrun', `consumer behind: ${batch.flows.length} flows dropped`, {
        file: name,
      });
    } else {
      queue.push(batch);
    }
    batch = newBatch();
    wake?.();
  };

  const onMessage = (msg: Buffer, rinfo: { address: string; port: number }): void => {
    stats.datagrams++;
    stats.bytes += msg.length;
    if (!exporters.has(rinfo.address)) {
      exporters.add(rinfo.address);
      stats.exporters = exporters.size;
    }
    const before = batch.flows.length;
    decodeDatagram(decoder, msg, rinfo.address, name, stats.datagrams, batch.flows);
    stats.flows += batch.flows.length - before;
    if (batch.flows.length >= cfg.maxBatchRows) flush();
  };

  return {
    stats,
    problems,
    start() {
      return new Promise((resolve, reject) => {
        const s = createSocket({
          type: isIPv6(cfg.host) ? 'udp6' : 'udp4',
          recvBufferSize: cfg.receiveBufferBytes,
        });
        socket = s;
        s.once('error', reject);
        s.on('message', onMessage);
        s.bind(cfg.port, cfg.host, () => {
          s.off('error', reject);
          s.on('error', (err) => problems.add('collector-socket', err.message, { file: name }));
          timer = setInterval(flush, cfg.flushIntervalMs);
          timer.unref();
          const a = s.address();
          resolve({ address: a.address, port: a.port });
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((r) => s.close(() => r()));
      flush();
      wake?.();
    },
    async *batches() {
      for (;;) {
        const b = queue.shift();
        if (b) {
          yield b;
          continue;
        }
        if (closed) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    },
  };
}
