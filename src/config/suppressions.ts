import { z } from 'zod';
import { isCheckId } from '../model/check-ids.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return (
    !Number.isNaN(date.getTime()) &&
    date.getUTCDate() === Number(match[3]) &&
    date.getUTCMonth() + 1 === Number(match[2])
  );
}

/**
 * One accepted finding: by fingerprint, or by check and group (a group id, or `provider:name`),
 * with the reason it is accepted and the date it stops being accepted (`YYYY-MM-DD`, from 00:00 UTC).
 */
const suppression = z
  .object({
    fingerprint: z
      .string({ message: 'must be a quoted string (a finding fingerprint, 12 hex characters)' })
      .regex(/^[0-9a-f]{12}$/, 'is not a finding fingerprint (12 hex characters, as the report prints it)')
      .optional(),
    check: z
      .string()
      .refine((id) => isCheckId(id), {
        message: 'is not a check id (`warden checks` lists them)',
      })
      .optional(),
    group: z.string().min(1, 'must be a group id or provider:name').optional(),
    reason: z
      .string({ message: 'is required: say why the finding is accepted' })
      .trim()
      .min(1, 'is required: say why the finding is accepted'),
    expires: z
      .string({ message: 'is required: a date YYYY-MM-DD (quoted in YAML is safest)' })
      .refine(isCalendarDate, { message: 'is not a date YYYY-MM-DD' }),
  })
  .strict()
  .superRefine((entry, context) => {
    const byFingerprint = entry.fingerprint !== undefined;
    const byCheck = entry.check !== undefined || entry.group !== undefined;
    if (byFingerprint && byCheck)
      context.addIssue({ code: 'custom', message: 'names a fingerprint and a check/group: give one or the other' });
    else if (!byFingerprint && (entry.check === undefined || entry.group === undefined)) {
      context.addIssue({ code: 'custom', message: 'needs a fingerprint, or both check and group' });
    }
  });

export const suppressionsSchema = z.array(suppression).default([]);

export type SuppressionEntry = z.output<typeof suppression>;
