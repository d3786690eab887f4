import { describeLocation, type ErrorLocation } from './errors.js';

/** One kind of bad record, counted, with the first few kept verbatim for the report. */
export interface ProblemSummary {
  reason: string;
  count: number;
  examples: Array<{ file?: string; where: string; detail: string }>;
}

/**
 * Counts bad records by reason and keeps the first `keepExamples` of each. Readers never throw for
 * a bad record: they call `add` and go on, so nothing is dropped silently and nothing stops a file.
 */
export class ProblemLog {
  private readonly byReason = new Map<string, ProblemSummary>();
  private totalCount = 0;

  constructor(private readonly keepExamples = 5) {}

  add(reason: string, detail: string, where: ErrorLocation = {}): void {
    this.totalCount++;
    let s = this.byReason.get(reason);
    if (!s) {
      s = { reason, count: 0, examples: [] };
      this.byReason.set(reason, s);
    }
    s.count++;
    if (s.examples.length < this.keepExamples) {
      s.examples.push({ file: where.file, where: describeLocation(where), detail });
    }
  }

  get total(): number {
    return this.totalCount;
  }

  count(reason: string): number {
    return this.byReason.get(reason)?.count ?? 0;
  }

  summaries(): ProblemSummary[] {
    return [...this.byReason.values()].sort((a, b) => b.count - a.count);
  }
}
