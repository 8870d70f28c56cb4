import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LiveAdapter, RawPage, Scope } from '../src/ports/live.ts';
import { readLiveEstate } from '../adapters/live-estate.ts';
import { PAGE_KINDS } from '../adapters/page-kinds.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Provider } from '../src/model/types.ts';

interface Example {
  provider: Provider;
  account: string;
  region: string;
  pages: unknown[];
}

function example(file: string): Example {
  return JSON.parse(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8')) as Example;
}

/** An adapter that serves a saved scope's pages, and fails for the scopes it is told to fail. */
function servingAdapter(provider: Provider, served: Example, failing: Scope[]): LiveAdapter {
  const scopes: Scope[] = [{ provider, account: served.account, region: served.region }, ...failing];
  return {
    provider,
    stats: { calls: 0, retries: 0, throttles: 0 },
    scopes: async (filter) => scopes.filter((s) => !filter?.regions || filter.regions.includes(s.region)),
    read: async (scope): Promise<RawPage[]> => {
      if (scope.region !== served.region)
        throw new Error(`RequestLimitExceeded after 5 retries (${scope.region})\nstack…`);
      return served.pages.map((body) => ({
        kind: (PAGE_KINDS.find((k) => k.providers.includes(provider) && k.matches(body)) as { name: string }).name,
        body,
      }));
    },
    addRule: async () => 'unused',
    removeRule: async () => undefined,
  };
}

describe('live estate: every scope read, failures reported, snapshots equivalent', () => {
  const huawei = example('huawei-ap-southeast-1.json');
  const failing: Scope = { provider: 'huawei', account: huawei.account, region: 'eu-west-101' };

  it('a scope that fails becomes a scan error naming it, with no groups from it; the rest is audited', async () => {
    const read = await readLiveEstate([servingAdapter('huawei', huawei, [failing])]);
    expect(read.estate.scanErrors).toEqual([
      { ...failing, origin: 'live', message: 'RequestLimitExceeded after 5 retries (eu-west-101)' },
    ]);
    expect(read.estate.groups.length).toBeGreaterThan(0);
    expect(read.estate.groups.every((g) => g.region === huawei.region)).toBe(true);
    const report = auditEstate(read.estate, defaultConfig());
    expect(report.summary.partial).toBe(true);
    expect(report.summary.scanErrors).toHaveLength(1);
  });

  it('the filter narrows the scopes', async () => {
    const read = await readLiveEstate([servingAdapter('huawei', huawei, [failing])], {
      filter: { regions: [huawei.region] },
    });
    expect(read.estate.scanErrors).toEqual([]);
  });

  it('an adapter that cannot even list its scopes is a scan error for the provider', async () => {
    const broken: LiveAdapter = {
      ...servingAdapter('huawei', huawei, []),
      scopes: async () => Promise.reject(new Error('HUAWEICLOUD_SDK_AK is not set')),
    };
    const read = await readLiveEstate([broken]);
    expect(read.estate.scanErrors).toEqual([
      {
        provider: 'huawei',
        account: '',
        region: '',
        origin: 'live',
        message: 'cannot list scopes: HUAWEICLOUD_SDK_AK is not set',
      },
    ]);
  });

  it('the audit of the written snapshot gives the live audit’s findings', async () => {
    const read = await readLiveEstate([servingAdapter('huawei', huawei, [])]);
    const live = auditEstate(read.estate, defaultConfig());
    const fromSnapshot = auditEstate(
      mergePages(
        read.snapshots.flatMap((doc) => readSnapshotDocument(JSON.parse(JSON.stringify(doc)), 'snapshot.json')),
      ),
      defaultConfig(),
    );
    expect(live.findings.length).toBeGreaterThan(5);
    expect(fromSnapshot.findings).toEqual(live.findings);
  });
});

describe('progress while reading', () => {
  it('shows pages and groups per scope on a terminal, and nothing with --format json or when piped', async () => {
    const { scopeProgress } = await import('../src/cli/main.ts');
    const written: string[] = [];
    const terminal = { isTTY: true, write: (text: string) => written.push(text) > 0 };
    const progress = scopeProgress(false, terminal);
    progress?.({ scope: { provider: 'aws', account: '123456789012', region: 'eu-west-1' }, pages: 3, groups: 1200 });
    expect(written).toEqual(['\r\x1b[Kreading aws 123456789012 eu-west-1: 3 pages, 1,200 groups']);
    expect(scopeProgress(true, terminal)).toBeUndefined();
    expect(scopeProgress(false, { isTTY: false, write: () => true })).toBeUndefined();
  });

  it('adapters report progress as they read', async () => {
    const huawei = example('huawei-ap-southeast-1.json');
    const events: number[] = [];
    const adapter = servingAdapter('huawei', huawei, []);
    const reporting: LiveAdapter = {
      ...adapter,
      read: async (scope, progress) => {
        const pages = await adapter.read(scope);
        pages.forEach((_, i) => progress?.({ scope, pages: i + 1, groups: 7 }));
        return pages;
      },
    };
    await readLiveEstate([reporting], { progress: ({ pages }) => events.push(pages) });
    expect(events).toEqual([1, 2, 3, 4]);
  });
});
