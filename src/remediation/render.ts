import type { InterfaceProof, Plan, PlanProof } from '../model/change.ts';
import { blastRadiusText, blastSampleText } from './blast-radius.ts';

// A plan as the CLI prints it: what it fixes, the diff, the caveats, and what the evaluator proved.

function mark(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

export function renderPlan(plan: Plan, proof: PlanProof): string[] {
  const { target } = plan;
  const lines = [
    `${plan.summary}`,
    `  ${plan.id} · fixes ${plan.finding.check} (${plan.finding.severity}): ${plan.finding.title}`,
    `  group ${target.groupName} (${target.groupId}) · ${target.provider}/${target.account}/${target.region}`,
    ...plan.diff.map((line) => `    ${line}`),
  ];
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  const others = plan.resolves.length - (plan.resolves.includes(plan.finding.fingerprint) ? 1 : 0);
  if (others > 0) lines.push(`  also resolves ${others} other finding${others === 1 ? '' : 's'}`);
  if (plan.preconditions.length > 0)
    lines.push(
      `  expects rule${plan.preconditions.length === 1 ? '' : 's'} ${plan.preconditions.map((p) => p.ruleId).join(', ')} unchanged`,
    );
  for (const set of plan.setPreconditions ?? [])
    lines.push(`  expects ${set.kind.replace('-', ' ')} ${set.id} at version ${set.version}`);
  lines.push(`  blast radius: ${blastRadiusText(plan.blastRadius)}`);
  if (plan.blastRadius && plan.blastRadius.interfaces > 0) lines.push(`    ${blastSampleText(plan.blastRadius)}`);
  lines.push(
    `  proof: finding gone ${mark(proof.findingGone)} · never widens ${mark(proof.neverWidens)} · only the finding's part changes ${mark(proof.onlyFindingPartChanged)}`,
  );
  if (proof.interfaces) {
    lines.push(`  proof on interfaces: ${interfaceProofText(proof.interfaces, mark)}`);
    for (const note of proof.interfaces.notes) lines.push(`    note: ${note}`);
  }
  for (const change of proof.otherChanges) lines.push(`    ${change}`);
  return lines;
}

/** `3 carrying the group · none more open yes · finding gone on the 2 it concerned yes`, with the caller's marks. */
export function interfaceProofText(proof: InterfaceProof, mark: (ok: boolean) => string): string {
  const gone =
    proof.concerned === undefined
      ? ''
      : ` · finding gone on the ${proof.concerned} it concerned ${mark(proof.findingGone)}`;
  return `${proof.checked} carrying the group · none more open ${mark(proof.neverWidens)}${gone}`;
}
