import { isRecord } from '../../src/lib/record.ts';
import type { RawPage } from '../../src/ports/live.ts';

// Which prefix lists a scope's rules name, and the page that records why one could not be read.

/** GetManagedPrefixListEntries and DescribeManagedPrefixLists take at most 100 results a page. */
export const PREFIX_LIST_PAGE_SIZE = 100;

/**
 * Error codes that mean "this list cannot be read by this account" (permission denied, not
 * found, another account's list): the list is unresolved, the rest of the scope is read. Any
 * other failure (throttling past the retries, a 5xx) fails the scope like any listing.
 */
export const UNREADABLE_LIST_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidPrefixListID.NotFound',
  'InvalidPrefixListId.NotFound',
  'InvalidPrefixListID.Malformed',
  'InvalidPrefixListId.Malformed',
]);

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The prefix list ids named by the rules in a scope's group and rule pages, sorted. */
export function referencedPrefixLists(pages: readonly RawPage[]): string[] {
  const ids = new Set<string>();
  for (const { body } of pages) {
    if (!isRecord(body)) continue;
    for (const rule of Array.isArray(body['SecurityGroupRules']) ? body['SecurityGroupRules'] : []) {
      if (isRecord(rule) && text(rule['PrefixListId'])) ids.add(text(rule['PrefixListId']));
    }
    for (const group of Array.isArray(body['SecurityGroups']) ? body['SecurityGroups'] : []) {
      if (!isRecord(group)) continue;
      for (const key of ['IpPermissions', 'IpPermissionsEgress']) {
        for (const permission of Array.isArray(group[key]) ? group[key] : []) {
          const lists =
            isRecord(permission) && Array.isArray(permission['PrefixListIds']) ? permission['PrefixListIds'] : [];
          for (const list of lists)
            if (isRecord(list) && text(list['PrefixListId'])) ids.add(text(list['PrefixListId']));
        }
      }
    }
  }
  return [...ids].sort();
}

/** `{ PrefixListId, Error: { Code, Message } }`: a list whose entries could not be read, and why (a snapshot keeps it). */
export function prefixListErrorPage(id: string, code: string, message: string): RawPage {
  return {
    kind: 'aws:GetManagedPrefixListEntries',
    body: { PrefixListId: id, Error: { Code: code || 'Error', Message: message } },
  };
}
