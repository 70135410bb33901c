/**
 * How a step's declared access becomes IAM actions, and which KMS calls AWS makes with the caller's
 * identity when a service touches data encrypted with the tenant's customer-managed key. The CDK
 * grants and the local runtime's policy checks both read this one table.
 *
 * - DynamoDB with a customer-managed table key: every data-plane call needs `kms:Decrypt` on the key
 *   (DynamoDB decrypts the table key on the caller's behalf, `kms:ViaService` dynamodb).
 * - S3 with SSE-KMS (bucket key on): PutObject needs `kms:GenerateDataKey`, GetObject `kms:Decrypt`.
 * - Secrets Manager with a customer-managed key: GetSecretValue needs `kms:Decrypt`.
 */
export const IMPLIED_KMS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'dynamodb:GetItem': ['kms:Decrypt'],
  'dynamodb:BatchGetItem': ['kms:Decrypt'],
  'dynamodb:Query': ['kms:Decrypt'],
  'dynamodb:PutItem': ['kms:Decrypt'],
  'dynamodb:UpdateItem': ['kms:Decrypt'],
  'dynamodb:DeleteItem': ['kms:Decrypt'],
  'dynamodb:BatchWriteItem': ['kms:Decrypt'],
  's3:GetObject': ['kms:Decrypt'],
  's3:PutObject': ['kms:GenerateDataKey'],
  'secretsmanager:GetSecretValue': ['kms:Decrypt'],
};

/** The KMS actions a set of service actions implies, deduplicated and sorted. */
export function impliedKmsActions(actions: readonly string[]): string[] {
  return [...new Set(actions.flatMap((a) => IMPLIED_KMS_ACTIONS[a] ?? []))].sort();
}
