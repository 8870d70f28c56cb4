import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { PROVIDER_SECRET_NAMES } from '../../src/model/providers/index.ts';

// Secrets come from SSM Parameter Store (SecureString), never from the template's environment:
// each function's WARDEN_SECRET_PATHS names the parameter paths it may read (its IAM policy allows
// exactly those), and each parameter's last path segment is the variable it fills, e.g.
// /warden/prod/slack/SLACK_BOT_TOKEN. Fetched once per container and cached (Powertools
// Parameters, maxAge), so a warm invocation makes no SSM call.

// Each cloud's credential variables, as its descriptor names them.
const PROVIDER_KEYS = PROVIDER_SECRET_NAMES;

/**
 * What each path may hold, by how the path ends. A secret under another path is refused: the
 * signing secret and the write keys are readable only by the functions that need them, so one
 * parameter in the wrong place must not hand them to every function.
 */
export const SECRET_GROUPS: Readonly<Record<string, readonly string[]>> = {
  slack: ['SLACK_BOT_TOKEN'],
  'slack-signing': ['SLACK_SIGNING_SECRET'],
  'providers/read': PROVIDER_KEYS,
  'providers/write': PROVIDER_KEYS,
  events: ['WARDEN_EVENTS_TOKEN'],
};

/** The variables a parameter may fill: a parameter named anything else is refused, so it cannot set PATH or NODE_OPTIONS. */
export const SECRET_NAMES: readonly string[] = [
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  ...PROVIDER_KEYS,
  'WARDEN_EVENTS_TOKEN',
];

function groupOf(path: string): string | undefined {
  return Object.keys(SECRET_GROUPS).find((group) => path.replace(/\/+$/, '').endsWith(`/${group}`));
}

export interface SecretSource {
  getMultiple(
    path: string,
    options: { decrypt: boolean; recursive: boolean; maxAge: number },
  ): Promise<Record<string, unknown> | undefined>;
}

const MAX_AGE_SECONDS = 300;

/**
 * The environment with the secrets of WARDEN_SECRET_PATHS filled in (a new object: process.env is
 * left alone, so nothing else in the process sees them). Throws one line naming the path when a
 * path cannot be read or holds a parameter that is not a known secret.
 */
export async function environmentWithSecrets(
  env: NodeJS.ProcessEnv,
  source: SecretSource = defaultSource(),
): Promise<NodeJS.ProcessEnv> {
  const paths = (env['WARDEN_SECRET_PATHS'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const out: NodeJS.ProcessEnv = { ...env };
  for (const path of paths) {
    const group = groupOf(path);
    if (!group)
      throw new Error(
        `secrets: SSM path ${path} is not one Warden reads (its last segments must be one of ${Object.keys(SECRET_GROUPS).join(', ')})`,
      );
    let values: Record<string, unknown> | undefined;
    try {
      values = await source.getMultiple(path, { decrypt: true, recursive: false, maxAge: MAX_AGE_SECONDS });
    } catch (error) {
      throw new Error(`secrets: cannot read SSM path ${path}: ${(error as Error).name || 'error'}`, { cause: error });
    }
    for (const [name, value] of Object.entries(values ?? {})) {
      const key = name.split('/').pop() ?? name;
      if (!SECRET_NAMES.includes(key))
        throw new Error(`secrets: ${path}/${key} is not a secret Warden reads (${SECRET_NAMES.join(', ')})`);
      const home = Object.keys(SECRET_GROUPS).filter((g) => SECRET_GROUPS[g]?.includes(key));
      if (!home.includes(group))
        throw new Error(`secrets: ${path}/${key} belongs under .../${home.join(' or .../')} (docs/deploy.md, Secrets)`);
      if (typeof value === 'string' && value !== '') out[key] = value;
    }
  }
  return out;
}

let provider: SSMProvider | undefined;
function defaultSource(): SecretSource {
  provider ??= new SSMProvider();
  return provider;
}
