import type { CheckId } from '../../model/check-ids.ts';
import type { Provider } from '../../model/types.ts';

/** Where a framework's controls are published: cited by provider, document title and public URL. */
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
