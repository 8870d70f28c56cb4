import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { usage } from '../src/slack/commands.ts';

// slack/manifest.yml (what the app is created from) against what the code accepts, and the
// development server's refusal to start without its tokens.

const root = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  display_information: { name: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; description: string; usage_hint: string; should_escape: boolean }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
    org_deploy_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const manifest = parse(readFileSync(`${root}slack/manifest.yml`, 'utf8')) as Manifest;

describe('slack/manifest.yml', () => {
  it('declares exactly the /warden command, within Slack limits', () => {
    expect(manifest.display_information.name).toBe('Warden');
    expect(manifest.features.bot_user.display_name).toBeTruthy();
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe('/warden');
    expect(command?.url).toBe('https://<your-api>/slack/events');
    expect(command?.should_escape).toBe(false);
    expect(command?.description.length).toBeGreaterThan(0);
    expect(command?.description.length).toBeLessThanOrEqual(2000);
    expect(command?.usage_hint.length).toBeLessThanOrEqual(1000);
  });

  it('has a usage hint listing every subcommand, with the arguments the parser documents', () => {
    const hint = manifest.features.slash_commands[0]?.usage_hint ?? '';
    // Each usage line in commands.ts reads "`/warden <verb> <args>` explanation".
    const forms = usage()
      .split('\n')
      .map((line) => /^`\/warden ([^`]+)`/.exec(line)?.[1])
      .filter((form): form is string => form !== undefined);
    expect(forms.map((form) => form.split(' ')[0])).toEqual([
      'audit',
      'findings',
      'show',
      'fix',
      'suppress',
      'suppressions',
      'unsuppress',
      'help',
    ]);
    expect(hint.split(' | ')).toEqual(forms);
  });

  it('enables interactivity at the same request URL', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBe('https://<your-api>/slack/events');
  });

  it('has the Home tab, and subscribes to app_home_opened at the same request URL', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(false);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.event_subscriptions.request_url).toBe('https://<your-api>/slack/events');
  });

  it('asks for the minimal bot scopes and no user scopes', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'channels:read',
      'chat:write',
      'commands',
      'files:write',
      'groups:read',
      'usergroups:read',
    ]);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('is set up for Socket Mode development, without org deploy or token rotation', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
  });
});

describe('npm run dev (src/slack/dev.ts)', () => {
  it('exits 2 with one line naming the missing tokens', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLACK_')));
    const result = spawnSync(process.execPath, ['src/slack/dev.ts'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SLACK_BOT_TOKEN');
    expect(lines[0]).toContain('SLACK_APP_TOKEN');
  });

  it('names only the token that is missing, and never prints the other', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLACK_')));
    const secret = 'xoxb-0000-test-secret';
    const result = spawnSync(process.execPath, ['src/slack/dev.ts'], {
      cwd: root,
      env: { ...env, SLACK_BOT_TOKEN: secret },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SLACK_APP_TOKEN is not set');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });
});
