import { readFileSync } from 'node:fs';

// What `warden --help` and `warden <command> --help` print, and how a usage error points to it.

export const DEFAULT_SOURCE = 'examples';

const CONFIG_DISCOVERY = '--config defaults to $WARDEN_CONFIG, else ./warden.yaml, ./warden.yml or ./warden.json.';

/** Each command's usage lines: `warden <command> --help` prints its entry. */
export const COMMAND_USAGE = {
  audit: [
    'warden audit [--source <file|dir|-> | --provider <p> …] [--regions r1,r2] [--accounts a1,a2]',
    '             [--format table|json|markdown|sarif|csv|ocsf|asff [--output-dir DIR]] [--fail-on <severity>]',
    '             [--min-severity <severity>] [--baseline <earlier report.json>] [--compliance <framework>]',
    '             [--config <file>]',
    '--format a,b --output-dir DIR writes each format to DIR/warden.<ext> (replacing earlier files); table is',
    'for the terminal only.',
    `--source defaults to ${DEFAULT_SOURCE}/; \`--source -\` reads one snapshot or API response from standard input.`,
    "--provider (aws, alibaba, huawei, otc; repeatable) reads live through the provider's API the scopes listed",
    'under `providers` in the config; without a section for the provider, the --regions given (one, with',
    'HUAWEICLOUD_SDK_PROJECT_ID / OS_PROJECT_ID, for huawei and otc).',
    '--compliance <framework> reports per control of the framework (`warden compliance` lists them) in the',
    '--format given (table, json, markdown); it judges every finding, so it takes no --baseline or --min-severity.',
    "--security-hub also imports the AWS findings into each account's own Security Hub (README: Security Hub delivery).",
    CONFIG_DISCOVERY,
  ],
  snapshot: ['warden snapshot --provider <p> … [--regions r1,r2] [--accounts a1,a2] [--config <file>] --out <file>'],
  fix: [
    'warden fix <fingerprint> [--provider <p> … | --source <file|dir|->] [--dry-run] [--yes] [--format table|json] [--config <file>]',
    'A fingerprint may be shortened to a prefix of at least 8 hex characters that matches exactly one finding.',
  ],
  revert: [
    'warden revert <change id> [--yes] [--format table|json] [--config <file>]',
    'A change id is what `warden fix` printed: chg-…',
  ],
  explain: [
    'warden explain [--source <file|dir|->] [--format table|json] [--direction ingress|egress] <groupId>',
    'warden explain [--source <file|dir|->] [--format table|json] [--direction ingress|egress] --interface <id> | --instance <id>',
    'With --interface or --instance: every group on the interface combined by the cloud’s rule, with the deciding group and rule of each part.',
  ],
  checks: ['warden checks [--format table|json]'],
  templates: ['warden templates [--format table|json] [--config <file>]', CONFIG_DISCOVERY],
  compliance: [
    'warden compliance [<framework>] [--format table|json]',
    'The compliance frameworks Warden maps its checks to (or the one named): version, source, and each control with its checks.',
  ],
} as const;

export type Command = keyof typeof COMMAND_USAGE;

export const COMMANDS = Object.keys(COMMAND_USAGE) as Command[];

export function isCommand(word: string | undefined): word is Command {
  return word !== undefined && Object.hasOwn(COMMAND_USAGE, word);
}

const EXIT_CODES =
  'Exit codes: 0 ok, 1 findings at or above --fail-on, 2 bad input or usage, 3 partial audit (a scope could not be read), 4 internal error, 5 findings Security Hub refused (--security-hub).';

/** `warden --help`: every command's first line. */
export function overallUsage(): string {
  const lines = COMMANDS.map((command) => `  ${COMMAND_USAGE[command][0]}`);
  return [
    'Usage: warden <command> [options]',
    '',
    ...lines,
    '',
    'warden <command> --help shows one command; warden --version the version.',
    EXIT_CODES,
  ].join('\n');
}

export function commandUsage(command: Command): string {
  return [`Usage: ${COMMAND_USAGE[command][0]}`, ...COMMAND_USAGE[command].slice(1), EXIT_CODES].join('\n');
}

/** Where a usage error sends the reader: the command's help, or the overall help. */
export function helpHint(command: string | undefined): string {
  return isCommand(command) ? `see \`warden ${command} --help\`` : 'see `warden --help`';
}

export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
