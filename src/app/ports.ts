import type { LiveAdapter, NormalizeScope, ScopeFilter } from '../ports/live.ts';
import type { LiveRead } from '../ports/live.ts';
import type { SlackConfig, WardenConfig } from '../config/schema.ts';
import { PROVIDERS } from '../model/types.ts';
import type { Provider } from '../model/types.ts';
import type { MessageRef, ScopeRef, StateStore } from '../store/state.ts';
import type { Notice, Text } from './notice.ts';
import { plainOf } from './notice.ts';

// What the use cases need from the world, passed in by their callers (the CLI, the Lambda functions, the Slack
// worker). The adapter contract is imported as types only.

export type Clock = () => Date;

/** The clouds: live adapters for providers under a config, a read of their scopes, and how their pages read. */
export interface AdapterSource {
  adapters(providers: readonly Provider[], config: WardenConfig): Promise<LiveAdapter[]>;
  read(adapters: readonly LiveAdapter[], filter: ScopeFilter): Promise<LiveRead>;
  normalize: NormalizeScope;
}

/** The config that reaches one scope: an AWS member account's role for reading or for applying a fix. */
export type ConfigForScope = (scope: ScopeRef, purpose: 'read' | 'apply') => WardenConfig;

/** Where a message goes: a channel, in a message's thread when `threadTs`. */
export interface Place {
  channel: string;
  threadTs?: string;
}

/** The person (or the schedule) a use case acts for, and how to answer them. */
export interface Asker {
  user: string;
  /** Recorded as who made a change. */
  actor: string;
  /** The request being served (a duplicate is recognised by it). */
  requestId: string;
  /** Their channel; absent when neither the request nor the config names one. */
  channel?: string;
  /** A private way back to them (Slack: the response_url). */
  replyTo?: string;
}

export interface Notifier {
  /** Posts in a place; the posted message's id when there is one. */
  post(where: Place, notice: Notice): Promise<string | undefined>;
  /** Replaces a posted message. */
  update(message: MessageRef, notice: Notice): Promise<void>;
  /** Answers the asker: privately when there is a way, else in their channel. */
  answer(asker: Asker, notice: Notice): Promise<void>;
  /** Tells only the asker, privately; nothing when there is no private way. */
  whisper(asker: Asker, notice: Notice): Promise<void>;
  /** A sentence as this notifier shows it (the audit trail keeps what people were told). */
  textOf(text: Text): string;
  /** Whether an actor is a person on this platform (not the schedule or a real-time audit). */
  isPerson(actor: string): boolean;
}

/** A digest's thread, where its posture chart goes. */
export interface ChartPlace {
  channel: string;
  threadTs: string;
}

/** Draws the posture chart in a digest's thread, later and elsewhere (the chart function): asking must stay cheap. */
export interface ChartRequests {
  request(where: ChartPlace, runId: string): Promise<void>;
}

export interface AppPorts {
  config: WardenConfig;
  /** The notification settings (slack: …, defaults applied). */
  settings: SlackConfig;
  store: StateStore;
  clouds: AdapterSource;
  configFor: ConfigForScope;
  notifier: Notifier;
  now: Clock;
  /** Where a scheduled digest's posture chart is asked for; absent: no chart. */
  charts?: ChartRequests;
}

/** A failure whose message is meant for the person (no stack, no internals); `text` when it names values. */
export class UseCaseError extends Error {
  readonly text: Text | undefined;
  constructor(message: string | Text) {
    super(typeof message === 'string' ? message : plainOf(message));
    this.text = typeof message === 'string' ? undefined : message;
  }
}

export function channelOf(asker: Asker): string {
  if (!asker.channel) throw new UseCaseError('no channel to post to (the job has none and slack.channel is not set)');
  return asker.channel;
}

/** Where a result about a finding goes: its message's thread, else the asker's channel. */
export function placeFor(asker: Asker, message: MessageRef | undefined): Place {
  if (message) return { channel: message.channel, threadTs: message.ts };
  return { channel: channelOf(asker) };
}

export function scopeOf(target: ScopeRef): ScopeRef {
  return { provider: target.provider, account: target.account, region: target.region };
}

export function configuredProviders(config: WardenConfig): Provider[] {
  return PROVIDERS.filter((p) => config.providers[p] !== undefined);
}
