import type cliProgress from 'cli-progress';

type CliProgress = typeof cliProgress;

export interface ProgressOptions {
  /** Inputs smaller than this finish before a bar helps. */
  minBytes?: number;
  /** Show a flow count beside the megabytes (the ingest commands know it). */
  showFlows?: boolean;
  /** Erase the bar when its input is done (when a status line follows it). */
  clearOnComplete?: boolean;
}

/** A progress bar on stderr over the bytes of the current input, only when stderr is a terminal. */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private current = '';

  private constructor(
    private readonly lib: CliProgress | undefined,
    private readonly opts: Required<ProgressOptions>,
  ) {}

  /** The bar library loads only when a bar can show: a pipe or `-q` run does not pay its start-up. */
  static async create(enabled: boolean, opts: ProgressOptions = {}): Promise<ProgressReporter> {
    const lib = enabled && process.stderr.isTTY ? (await import('cli-progress')).default : undefined;
    return new ProgressReporter(lib, {
      minBytes: opts.minBytes ?? 64 * 1024 * 1024,
      showFlows: opts.showFlows ?? false,
      clearOnComplete: opts.clearOnComplete ?? false,
    });
  }

  /** Would a bar show for an input of this size? */
  shows(total: number | undefined): boolean {
    return this.lib !== undefined && total !== undefined && total >= this.opts.minBytes;
  }

  /** `label` names the input (a new label starts a new bar); bytes done of `total`. */
  update(label: string, done: number, total: number | undefined, flows = 0): void {
    const cliProgress = this.lib;
    if (!cliProgress || !this.shows(total)) return;
    if (label !== this.current) {
      this.stop();
      this.current = label;
      const count = this.opts.showFlows ? ' | {flows} flows' : '';
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% | {value}/{total} MB${count} | eta {eta}s`,
          hideCursor: true,
          clearOnComplete: this.opts.clearOnComplete,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, Math.round((total ?? 0) / 1e6)), 0, { flows: 0 });
    }
    this.bar?.update(Math.round(done / 1e6), { flows });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.current = '';
  }
}
