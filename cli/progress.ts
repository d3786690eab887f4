import type cliProgress from 'cli-progress';

type CliProgress = typeof cliProgress;

/** A progress bar on stderr for big inputs, only when stderr is a terminal. */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private current = '';

  private constructor(
    private readonly lib: CliProgress | undefined,
    private readonly minBytes: number,
  ) {}

  /** The bar library loads only when a bar can show: a pipe or `-q` run does not pay its start-up. */
  static async create(enabled: boolean, minBytes = 64 * 1024 * 1024): Promise<ProgressReporter> {
    const lib = enabled && process.stderr.isTTY ? (await import('cli-progress')).default : undefined;
    return new ProgressReporter(lib, minBytes);
  }

  update(name: string, done: number, total: number | undefined): void {
    const cliProgress = this.lib;
    if (!cliProgress || total === undefined || total < this.minBytes) return;
    if (name !== this.current) {
      this.stop();
      this.current = name;
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${name} [{bar}] {percentage}% | {value}/{total} MB | eta {eta}s`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.round(total / 1e6), 0);
    }
    this.bar?.update(Math.round(done / 1e6));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.current = '';
  }
}
