import { placeKey, samePlace, scopeRuns } from './ids.ts';
import type { PageResult, Scope } from './page.ts';
import type { Attachment, Estate, Provider, Rule, ScanError, SecurityGroup } from './types.ts';
import { attachSets, mergeAddressSets, mergeSets } from './sets.ts';
import { mergeInterfacePages } from './merge-interfaces.ts';

function scopeKey(provider: Provider, account: string, region: string, groupId: string): string {
  return placeKey({ provider, account, region }, groupId);
}

function sameGroup(a: PageResult['rules'][number], b: PageResult['rules'][number]): boolean {
  return a.groupId === b.groupId && samePlace(a, b);
}

/**
 * Joins page fragments into an estate: the groups (see `mergeGroupPages`), the address and port
 * sets the pages describe, each set attached to the groups whose rules name it, and the network
 * interfaces and group uses (`mergeInterfacePages`).
 */
export function mergePages(pages: readonly PageResult[], scanErrors: readonly ScanError[] = []): Estate {
  const estate = mergeGroupPages(pages, scanErrors);
  const addressSets = mergeAddressSets(pages.flatMap((page) => page.addressSets ?? []));
  const portSets = mergeSets(
    pages.flatMap((page) => page.portSets ?? []),
    (set) => set.ports !== undefined,
  );
  if (addressSets.length > 0) estate.addressSets = addressSets;
  if (portSets.length > 0) estate.portSets = portSets;
  attachSets(estate);
  mergeInterfacePages(pages, estate);
  attachToGroups(pages, estate);
  return estate;
}

/**
 * Each group's attachments, where some page vouches for an attachment scope: every interface read
 * that carries the group (one attachment object per interface, shared by its groups), and the
 * fragments pages list apart (an interface whose groups could not all be read). A group of a
 * vouched scope that nothing carries gets an empty list: read, and attached to nothing.
 */
function attachToGroups(pages: readonly PageResult[], estate: Estate): void {
  const attachmentScopes = new Set(
    pages.flatMap((page) => page.attachmentScopes.map((s) => scopeKey(s.provider, s.account, s.region, ''))),
  );
  if (attachmentScopes.size === 0) return;
  for (const group of estate.groups) {
    if (attachmentScopes.has(scopeKey(group.provider, group.account, group.region, ''))) group.attachments ??= [];
  }
  // The groups of each scope by id. An interface names groups that were not necessarily read (another
  // scope's, or a filtered group listing): those are not audited, so they are not made up here either.
  const groupsIn = scopeRuns(() => new Map<string, SecurityGroup>());
  for (const group of estate.groups) groupsIn.at(group).set(group.id, group);
  const groupAt = (place: Scope, groupId: string): SecurityGroup | undefined => groupsIn.find(place)?.get(groupId);
  // The ids each group got from fragments: an interface read in full elsewhere is not attached twice.
  const fromFragments = new Map<SecurityGroup, Set<string>>();
  for (const page of pages) {
    for (const fragment of page.attachments) {
      const group = groupAt(fragment, fragment.groupId);
      if (!group) continue;
      group.attachments ??= [];
      let ids = fromFragments.get(group);
      if (!ids) {
        ids = new Set(group.attachments.map((a) => a.id));
        fromFragments.set(group, ids);
      }
      if (ids.has(fragment.attachment.id)) continue;
      ids.add(fragment.attachment.id);
      group.attachments.push(fragment.attachment);
    }
  }
  for (const item of estate.interfaces ?? []) {
    const attachment: Attachment = { kind: 'network-interface', id: item.id };
    for (let i = 0; i < item.groupIds.length; i++) {
      const groupId = item.groupIds[i] as string;
      if (item.groupIds.indexOf(groupId) < i) continue;
      const group = groupAt(item, groupId);
      if (!group) continue;
      const ids = fromFragments.get(group);
      if (ids?.has(item.id)) continue;
      (group.attachments ??= []).push(attachment);
    }
  }
}

/**
 * Joins page fragments into groups: metadata from group pages, rules from rule pages
 * (authoritative lists win; the same rule read twice, e.g. a group in two snapshots, is kept once: derived ids hash the rule's content).
 * Output order is deterministic: by provider, account, region, group id.
 */
function mergeGroupPages(pages: readonly PageResult[], scanErrors: readonly ScanError[]): Estate {
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

  const lists = new Map<SecurityGroup, { authoritative: Rule[]; fallback: Rule[] }>();
  let last: { fragment: PageResult['rules'][number]; entry: { authoritative: Rule[]; fallback: Rule[] } } | undefined;
  for (const page of pages) {
    for (const fragment of page.rules) {
      // A page lists a group's rules together: reuse the previous lookup while the group stays the same.
      let entry = last && sameGroup(last.fragment, fragment) ? last.entry : undefined;
      if (!entry) {
        const group = ensure(fragment.provider, fragment.account, fragment.region, fragment.groupId);
        entry = lists.get(group);
        if (!entry) {
          entry = { authoritative: [], fallback: [] };
          lists.set(group, entry);
        }
      }
      (fragment.authoritative ? entry.authoritative : entry.fallback).push(fragment.rule);
      last = { fragment, entry };
    }
  }
  for (const [group, entry] of lists) {
    const rules = entry.authoritative.length > 0 ? entry.authoritative : entry.fallback;
    const seen = new Set<string>();
    group.rules = rules.filter((rule) => {
      if (seen.has(rule.native.ruleId)) return false;
      seen.add(rule.native.ruleId);
      return true;
    });
  }

  // The keys sorted natively (code-unit order, as `<` compares them): no comparator called per pair.
  const sorted = [...groups.keys()].sort().map((key) => groups.get(key) as SecurityGroup);
  return {
    groups: sorted,
    unparseable: pages.flatMap((page) => page.unparseable),
    scanErrors: [...scanErrors],
  };
}

/**
 * The attachment scopes one snapshot document (or one live read of a scope) vouches for. An
 * interface listing proves a group attached to nothing only where the same document lists that
 * scope's groups, as `warden snapshot` writes it: a listing on its own (the output of
 * `aws ec2 describe-network-interfaces`, which may have been filtered) only adds the attachments it
 * shows. A listing that names no account (a snapshot without `account`, a page without
 * interfaces) covers the document's groups of its provider and region, whatever their account.
 */
export function documentAttachmentScopes(results: readonly PageResult[]): PageResult[] {
  if (results.every((result) => result.attachmentScopes.length === 0)) return [...results];
  const listed = new Map<string, Scope>();
  // A document lists one scope's groups and rules together: its key is made once per run, not per rule.
  let last: Scope | undefined;
  const list = (g: Scope): void => {
    if (last && samePlace(last, g)) return;
    last = g;
    const key = scopeKey(g.provider, g.account, g.region, '');
    if (!listed.has(key)) listed.set(key, { provider: g.provider, account: g.account, region: g.region });
  };
  for (const result of results) {
    result.groups.forEach(list);
    result.rules.forEach(list);
  }
  return results.map((result) => {
    if (result.attachmentScopes.length === 0) return result;
    const covered = new Map<string, Scope>();
    for (const scope of result.attachmentScopes) {
      for (const [key, group] of listed) {
        const sameAccount = scope.account === '' || scope.account === group.account;
        if (sameAccount && scope.provider === group.provider && scope.region === group.region) covered.set(key, group);
      }
    }
    return { ...result, attachmentScopes: [...covered.values()] };
  });
}
