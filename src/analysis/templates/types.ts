import type { Action, Direction, Family, Provider } from '../../model/types.ts';

/** One row of a documented template, written as the document gives it. */
export interface TemplateRule {
  direction: Direction;
  action?: Action;
  family: Family;
  /** `all`, `tcp`, `udp`, `icmp`, `icmpv6`, `gre`, or a protocol number as text. */
  protocol: string;
  /** `all`, `22`, `80-90`, `22,80-90`. */
  ports?: string;
  /** A CIDR, `self` (the group itself), or `group:<id>`. */
  peer: string;
  priority?: number;
  description?: string;
  /** A row the group may have or not: never reported missing. */
  optional?: boolean;
}

export interface Template {
  id: string;
  title: string;
  /** Which clouds the template applies to. */
  providers: Provider[];
  /** Groups with one of these names follow the template (unless config assigns another). */
  names: string[];
  /** The document the rows come from: provider, title and public page, or the user's own words. */
  source: string;
  rules: TemplateRule[];
}
