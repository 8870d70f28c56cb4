import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { AwsClient } from './client.ts';

// One BatchImportFindings call into an account's Security Hub in one region (the caller keeps each
// call within the documented 100 findings and 240 KB a finding). Throttles and 5xx are retried as
// every AWS call is (an import by Id is idempotent); what Security Hub refuses comes back per finding.

export interface ImportFailure {
  id: string;
  code: string;
  message: string;
}

export interface ImportAnswer {
  imported: number;
  failed: ImportFailure[];
}

export async function batchImportFindings(
  aws: AwsClient,
  account: string,
  region: string,
  findings: readonly object[],
): Promise<ImportAnswer> {
  // The account's own Security Hub: through its member role where config names one (Security Hub
  // refuses findings of an account other than the caller's).
  const client = aws.accountClient('securityhub', account, region, (config) => new SecurityHubClient(config));
  const answer = await aws.ec2Call(
    region,
    'BatchImportFindings',
    (abortSignal) =>
      client.send(new BatchImportFindingsCommand({ Findings: findings as AwsSecurityFinding[] }), { abortSignal }),
    undefined,
    undefined,
    'SecurityHub',
  );
  const failed = (answer.FailedFindings ?? []).map((f) => ({
    id: f.Id ?? '',
    code: f.ErrorCode ?? 'unknown',
    message: f.ErrorMessage ?? '',
  }));
  return { imported: answer.SuccessCount ?? findings.length - failed.length, failed };
}
