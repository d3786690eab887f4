/**
 * `camwatch rules check <path...>`: validate rule packs (files or directories of *.yaml) and say where
 * each problem is — `file:line: key: message` — then compile them with the packaged policy and vendor
 * packs (unless the paths bring their own policy) to catch what only shows across packs. Warns about
 * suppressions whose expiry has passed. Exit code 0 when valid, 1 when a pack has a problem, 2 on usage.
 */
import type { Command } from 'commander';

export interface RulesCheckFlags {
  format: 'text' | 'json';
  defaults: boolean;
}

/** Where the command writes (tests pass their own streams). */
export interface RulesCheckIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export function registerRules(program: Command): void {
  const rules = program
    .command('rules')
    .description('Rule packs: policy, vendor intelligence, operator rules');
  rules
    .command('check')
    .description('Validate rule packs; problems are printed as file:line: key: message')
    .argument('<path...>', 'rule files or directories (*.yaml, *.yml, recursively)')
    .option('-f, --format <format>', 'text | json', 'text')
    .option('--no-defaults', 'check the given packs alone, without the packaged policy and vendor packs')
    .action(async (paths: string[], flags: RulesCheckFlags) => {
      process.exitCode = await runRulesCheck(paths, flags);
    });
}

export async function runRulesCheck(
  paths: string[],
  flags: RulesCheckFlags,
  io: RulesCheckIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') {
    io.err.write(`camwatch rules check: unknown --format '${flags.format}' (text, json)\n`);
    return 2;
  }
  const { checkRulePacks, compileRules, formatProblem, loadRulePackList } = await import(
    '../../analyzer/index.js'
  );
  const { CamwatchError } = await import('../../model/index.js');
  let checked: Awaited<ReturnType<typeof checkRulePacks>>;
  try {
    checked = await checkRulePacks(paths);
  } catch (err) {
    if (err instanceof CamwatchError) {
      io.err.write(`camwatch rules check: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { packs, problems } = checked;
  const warnings: string[] = [];
  if (problems.length === 0) {
    try {
      const hasPolicy = packs.some((p) => p.pack.kind === 'policy');
      const all =
        flags.defaults && !hasPolicy ? [...(await loadRulePackList({ noVendors: false })), ...packs] : packs;
      if (all.some((p) => p.pack.kind === 'policy')) {
        const compiled = compileRules(all);
        for (const n of compiled.mudNotes()) warnings.push(`${n.file}: ${n.note}`);
        for (const s of compiled.expiredSuppressions(Date.now())) {
          warnings.push(
            `${s.file}: suppression ${s.rule.id} expired on ${s.rule.expires} and no longer applies`,
          );
        }
      }
    } catch (err) {
      problems.push({ file: paths.join(', '), line: 0, key: '', message: (err as Error).message });
    }
  }
  const kinds: Record<string, number> = {};
  let endpoints = 0;
  for (const { pack } of packs) {
    kinds[pack.kind] = (kinds[pack.kind] ?? 0) + 1;
    if (pack.kind === 'vendor') endpoints += pack.endpoints.length;
  }
  if (flags.format === 'json') {
    io.out.write(
      `${JSON.stringify({ valid: problems.length === 0, packs: kinds, vendorEndpoints: endpoints, problems, warnings })}\n`,
    );
  } else {
    for (const p of problems) io.out.write(`${formatProblem(p)}\n`);
    for (const w of warnings) io.out.write(`warning: ${w}\n`);
    const summary = Object.entries(kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    io.err.write(
      problems.length === 0
        ? `rule packs valid: ${summary || 'none found'}${endpoints ? ` (${endpoints} vendor endpoints)` : ''}\n`
        : `${problems.length} problem(s) in the rule packs\n`,
    );
  }
  return problems.length === 0 ? 0 : 1;
}
