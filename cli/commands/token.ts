/**
 * `camwatch token create --role R --data DIR [--name N] [--format text|jsonl]`: a new API token,
 * printed once (only its SHA-256 is kept, in DIR/api-tokens.jsonl). Works while `camwatch serve`
 * runs: the token file is not the store. Also `token list` and `token revoke ID`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { DATA_FLAG_HELP } from './ingest.js';

const ROLE_NAMES = ['analyst', 'uploader', 'ingest-job', 'admin'];

export function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens for camwatch serve');
  token
    .command('create')
    .description('Create an API token and print it (it is shown only this once)')
    .requiredOption('--role <role>', `one of ${ROLE_NAMES.join(', ')}`, (v: string) => {
      if (!ROLE_NAMES.includes(v)) throw new InvalidArgumentError(`expected one of ${ROLE_NAMES.join(', ')}`);
      return v;
    })
    .option('--name <name>', 'who or what uses it (shown in the alert history)', '')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('--format <format>', 'text | jsonl', 'text')
    .action(async (flags: { role: string; name: string; data?: string; format: string }) => {
      const { isRole, openTokenFile } = await import('../../api/index.js');
      if (flags.format !== 'text' && flags.format !== 'jsonl') {
        process.stderr.write(`camwatch token create: unknown --format '${flags.format}' (text, jsonl)\n`);
        process.exitCode = 2;
        return;
      }
      if (!isRole(flags.role)) return;
      const file = openTokenFile(dataDirOf(flags.data));
      const { token: t, info } = file.create(flags.role, flags.name);
      if (flags.format === 'jsonl') {
        process.stdout.write(
          `${JSON.stringify({ token: t, id: info.id, role: info.role, name: info.name })}\n`,
        );
      } else {
        process.stdout.write(`${t}\n`);
        process.stderr.write(`camwatch: ${info.role} token ${info.id} created; it is not shown again\n`);
      }
    });
  token
    .command('list')
    .description('List tokens (ids, roles, names; never the tokens)')
    .option('--data <dir>', DATA_FLAG_HELP)
    .action(async (flags: { data?: string }) => {
      const { openTokenFile } = await import('../../api/index.js');
      for (const i of openTokenFile(dataDirOf(flags.data)).list()) {
        const revoked = i.revokedAt ? ` revoked ${new Date(i.revokedAt).toISOString()}` : '';
        process.stdout.write(
          `${i.id}\t${i.role}\t${i.name}\t${new Date(i.createdAt).toISOString()}${revoked}\n`,
        );
      }
    });
  token
    .command('revoke')
    .description('Revoke a token by id')
    .argument('<id>')
    .option('--data <dir>', DATA_FLAG_HELP)
    .action(async (id: string, flags: { data?: string }) => {
      const { openTokenFile } = await import('../../api/index.js');
      if (!openTokenFile(dataDirOf(flags.data)).revoke(id)) {
        process.stderr.write(`camwatch token revoke: no active token ${id}\n`);
        process.exitCode = 1;
      }
    });
}

function dataDirOf(flag: string | undefined): string {
  return flag ?? process.env.CAMWATCH_DATA ?? 'camwatch-data';
}
