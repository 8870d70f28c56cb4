import type { PageResult } from './page.ts';
import type { Estate, Provider, Rule, ScanError, SecurityGroup } from './types.ts';

function scopeKey(provider: Provider, account: string, region: string, groupId: string): string {
  return `${provider}\u0000${account}\u0000${region}\u0000${groupId}`;
}

/**
 * Joins page fragments into groups: metadata from group pages, rules from rule pages
 * (authoritative lists win; the same rule read twice, e.g. a group in two snapshots, is kept once: derived ids hash the rule's content), attachments where read.
 * Output order is deterministic: by provider, account, region, group id.
 */
export function mergePages(pages: readonly PageResult[], scanErrors: readonly ScanError[] = []): Estate {
  const groups = new Map<string, SecurityGroup>();
  const ensure = (provider: Provider, account: string, region: string, groupId: string): SecurityGroup => {
    const key = scopeKey(provider, account, region, groupId);
    let group = groups.get(key);
    if (!group) {
      group = { provider, account, region, vpcId: '', id: groupId, name: '', description: '', rules: [] };
      groups.set(key, group);
    }
    return group;
  };

  for (const page of pages) {
    for (const info of page.groups) {
      const group = ensure(info.provider, info.account, info.region, info.id) as unknown as Record<string, unknown>;
      // A page that does not know a field (empty text) never erases what another page read.
      for (const key in info) {
        const value = (info as unknown as Record<string, unknown>)[key];
        if (value !== undefined && value !== '') group[key] = value;
      }
    }
  }

  const authoritative = new Map<string, Rule[]>();
  const fallback = new Map<string, Rule[]>();
  for (const page of pages) {
    for (const fragment of page.rules) {
      const group = ensure(fragment.provider, fragment.account, fragment.region, fragment.groupId);
      const key = scopeKey(group.provider, group.account, group.region, group.id);
      const target = fragment.authoritative ? authoritative : fallback;
      const list = target.get(key) ?? [];
      list.push(fragment.rule);
      target.set(key, list);
    }
  }
  for (const [key, group] of groups) {
    const rules = authoritative.get(key) ?? fallback.get(key) ?? [];
    const seen = new Set<string>();
    group.rules = rules.filter((rule) => {
      if (seen.has(rule.native.ruleId)) return false;
      seen.add(rule.native.ruleId);
      return true;
    });
  }

  const attachmentScopes = new Set(
    pages.flatMap((page) => page.attachmentScopes.map((s) => scopeKey(s.provider, s.account, s.region, ''))),
  );
  if (attachmentScopes.size > 0) {
    for (const group of groups.values()) {
      if (attachmentScopes.has(scopeKey(group.provider, group.account, group.region, ''))) group.attachments ??= [];
    }
    for (const page of pages) {
      for (const fragment of page.attachments) {
        const group = ensure(fragment.provider, fragment.account, fragment.region, fragment.groupId);
        group.attachments ??= [];
        if (!group.attachments.some((a) => a.id === fragment.attachment.id)) group.attachments.push(fragment.attachment);
      }
    }
  }

  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  return {
    groups: sorted,
    unparseable: pages.flatMap((page) => page.unparseable),
    scanErrors: [...scanErrors],
  };
}
