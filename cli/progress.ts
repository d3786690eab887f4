import cliProgress from 'cli-progress';

/** A progress bar on stderr for big inputs, only when stderr is a terminal. */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private current = '';

  constructor(
    private readonly enabled: boolean,
    private readonly minBytes = 64 * 1024 * 1024,
  ) {}

  update(name: string, done: number, total: number | undefined): void {
    if (!this.enabled || !process.stderr.isTTY || total === undefined || total < this.minBytes) return;
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
