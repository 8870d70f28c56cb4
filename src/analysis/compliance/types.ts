import type { CheckId } from '../../model/check-ids.ts';
import type { Family, Provider } from '../../model/types.ts';

/** Where a framework's controls are published: cited by publisher, document title and public URL. */
export interface FrameworkSource {
  /** Who publishes the document (e.g. `Center for Internet Security`, `Amazon Web Services`). */
  provider: string;
  /** The document's own title. */
  document: string;
  url: string;
}

/**
 * One control of a framework, cited by its id and title only (benchmark texts are not ours to copy),
 * with the Warden checks whose findings evidence it.
 */
export interface Control {
  id: string;
  title: string;
  /** The checks that must all run, over complete scopes, and find nothing for the control to pass. */
  checks: readonly CheckId[];
  /** The clouds the control is about: with no resource of these in the estate, it does not apply. */
  providers: readonly Provider[];
  /**
   * The ports the control is about: a finding on another single port does not count against it, and
   * each of these must be among the ports the config has the mapped port checks examine.
   */
  ports?: readonly number[];
  /** The address family the control is about (`0.0.0.0/0` or `::/0`): findings of the other family do not count. */
  family?: Family;
  /**
   * Where Warden's checks evidence only part of the control, what they leave out: the control can
   * fail on their findings but never pass.
   */
  partial?: string;
  /** For a control of our own id: the provider document it rests on (provider, title, URL). */
  source?: string;
}

export interface Framework {
  /** What `warden audit --compliance <id>` names it by. */
  id: string;
  title: string;
  version: string;
  source: FrameworkSource;
  controls: readonly Control[];
}

/** A control as a check's metadata names it. */
export interface ControlRef {
  framework: string;
  version: string;
  control: string;
  title: string;
}
