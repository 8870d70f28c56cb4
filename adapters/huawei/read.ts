import {
  ListAddressGroupRequest,
  ListSecurityGroupRulesRequest,
  ListSecurityGroupsRequest,
} from '@huaweicloud/huaweicloud-sdk-vpc/v3/public-api.js';
import { isRecord } from '../../src/lib/record.ts';
import type { RawPage, ReadProgress, Scope } from '../../src/ports/live.ts';
import { ADDRESS_GROUP_PAGE_KINDS, referencedAddressGroups, refusalPage } from './address-groups.ts';
import type { HuaweiClient } from './client.ts';
import { isRefusal } from './client.ts';
import { show } from './normalize.ts';
import { readHuaweiPorts } from './read-ports.ts';

// The Huawei reads: a project's security groups and rules (and the address groups they name), then
// its ports and EIPs (./read-ports.ts), page by page as the API answers (read by ./normalize.ts,
// ./address-groups.ts and ./ports.ts).

/** The largest page the v3 list APIs serve (limit 0-2000). */
export const PAGE_LIMIT = 2000;

const LIST_KEYS = {
  ListSecurityGroups: 'security_groups',
  ListSecurityGroupRules: 'security_group_rules',
  ListAddressGroup: 'address_groups',
} as const;

/** Every page of one list operation, following `page_info.next_marker` until it is absent. */
async function listAll(
  hw: HuaweiClient,
  scope: Scope,
  operation: 'ListSecurityGroups' | 'ListSecurityGroupRules' | 'ListAddressGroup',
  onPage: (page: RawPage, items: number) => void,
  stopped: () => boolean,
): Promise<void> {
  const key = LIST_KEYS[operation];
  const kind = `vpc-v3:${operation}`;
  const used = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    if (stopped()) return;
    const { status, body } = await hw.call(scope, operation, 'read', (client) => {
      if (operation === 'ListSecurityGroups') {
        const request = new ListSecurityGroupsRequest().withLimit(PAGE_LIMIT);
        return client.listSecurityGroups(marker === undefined ? request : request.withMarker(marker));
      }
      if (operation === 'ListAddressGroup') {
        const request = new ListAddressGroupRequest().withLimit(PAGE_LIMIT);
        return client.listAddressGroup(marker === undefined ? request : request.withMarker(marker));
      }
      const request = new ListSecurityGroupRulesRequest().withLimit(PAGE_LIMIT);
      return client.listSecurityGroupRules(marker === undefined ? request : request.withMarker(marker));
    });
    const items = body[key];
    if (!Array.isArray(items)) throw hw.malformed(scope, operation, status, `no "${key}" list`, body);
    onPage({ kind, body }, items.length);
    const next = nextMarker(hw, scope, operation, status, body, items);
    if (next === undefined) return;
    if (used.has(next) || next === marker) {
      throw hw.malformed(
        scope,
        operation,
        status,
        `pagination does not advance: next_marker ${show(next)} again`,
        body.page_info,
      );
    }
    used.add(next);
    marker = next;
  }
}

/**
 * `page_info.next_marker` is present only while more pages remain (huaweicloud-sdk-go-v3 vpc/v3
 * PageInfo). Without any page_info, a full page continues from its last id.
 */
function nextMarker(
  hw: HuaweiClient,
  scope: Scope,
  operation: string,
  status: number | undefined,
  body: Record<string, unknown>,
  items: unknown[],
): string | undefined {
  const info = body.page_info;
  if (info === undefined || info === null) {
    const last = items[items.length - 1];
    return items.length >= PAGE_LIMIT && isRecord(last) && typeof last.id === 'string' && last.id !== ''
      ? last.id
      : undefined;
  }
  if (!isRecord(info)) throw hw.malformed(scope, operation, status, 'page_info is not an object', info);
  const next = info.next_marker;
  if (next === undefined || next === null || next === '') return undefined;
  if (typeof next !== 'string')
    throw hw.malformed(scope, operation, status, 'page_info.next_marker is not a string', info);
  return next;
}

/** The project's address groups when its rules name any; a refusal is kept as the page that says why they are unknown. */
async function addressGroupPages(hw: HuaweiClient, scope: Scope, rulePages: readonly unknown[]): Promise<RawPage[]> {
  const referenced = referencedAddressGroups(rulePages);
  if (referenced.size === 0) return [];
  const pages: RawPage[] = [];
  try {
    await hw.limiterFor(scope.region)(() =>
      listAll(
        hw,
        scope,
        'ListAddressGroup',
        (page) => pages.push(page),
        () => false,
      ),
    );
  } catch (error) {
    if (!isRefusal(error)) throw error;
    return [
      {
        kind: ADDRESS_GROUP_PAGE_KINDS.refused,
        body: refusalPage(
          { status: error.status, code: error.code, message: error.providerMessage ?? error.message },
          referenced,
        ),
      },
    ];
  }
  return pages;
}

/** Every page of the scope: groups and rules at once, then the address groups its rules name. */
export async function readHuaweiScope(hw: HuaweiClient, scope: Scope, progress?: ReadProgress): Promise<RawPage[]> {
  hw.clientFor(scope);
  const groupPages: RawPage[] = [];
  const rulePages: RawPage[] = [];
  let groups = 0;
  let failed = false;
  const report = () => progress?.({ scope, pages: groupPages.length + rulePages.length, groups });
  const limit = hw.limiterFor(scope.region);
  const list = (operation: 'ListSecurityGroups' | 'ListSecurityGroupRules', into: RawPage[]) =>
    limit(() =>
      listAll(
        hw,
        scope,
        operation,
        (page, items) => {
          into.push(page);
          if (operation === 'ListSecurityGroups') groups += items;
          report();
        },
        () => failed,
      ),
    ).catch((error: unknown) => {
      failed = true;
      throw error;
    });
  // Both lists settle before read() does: a failure of one stops the other at its next page.
  const settled = await Promise.allSettled([
    list('ListSecurityGroups', groupPages),
    list('ListSecurityGroupRules', rulePages),
  ]);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  const setPages = await addressGroupPages(
    hw,
    scope,
    rulePages.map((page) => page.body),
  );
  return [...groupPages, ...rulePages, ...setPages, ...(await readHuaweiPorts(hw, scope))];
}
