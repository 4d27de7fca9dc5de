/**
 * AWS Config names resources by type (`AWS::S3::Bucket`) and a bare id (`my-bucket`,
 * `sg-0abc`, `AIDA...`); Security Hub names the same resources by ASFF type (`AwsS3Bucket`)
 * and ARN. These helpers turn the first into the second where that needs no lookup, so the
 * two sources agree on what a finding is about.
 */

/** `AWS::EC2::SecurityGroup` -> `AwsEc2SecurityGroup`, `AWS::RDS::DBInstance` -> `AwsRdsDbInstance`, `AWS::::Account` -> `AwsAccount`. */
export function asffResourceType(configType: string): string {
  const parts = configType.split('::').filter((part) => part !== '');
  // ASFF writes each acronym as one capitalised word: EC2 -> Ec2, DBInstance -> DbInstance.
  const words = parts.flatMap((part) => part.match(/[A-Z0-9]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z0-9]+/g) ?? []);
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join('') || configType;
}

type ArnBuilder = (id: string, where: { partition: string; region: string; account: string }) => string;

/**
 * Types whose ARN follows from the bare id, Region and account. IAM users, roles and policies
 * are absent: Config names them by unique id (AIDA..., AROA...), not by the name the ARN holds,
 * so only Config itself can say their ARN (BatchGetResourceConfig, see config-rules.ts).
 */
const arnBuilders: Readonly<Record<string, ArnBuilder>> = {
  'AWS::S3::Bucket': (id, { partition }) => `arn:${partition}:s3:::${id}`,
  'AWS::EC2::SecurityGroup': (id, w) => `arn:${w.partition}:ec2:${w.region}:${w.account}:security-group/${id}`,
  'AWS::EC2::Instance': (id, w) => `arn:${w.partition}:ec2:${w.region}:${w.account}:instance/${id}`,
  'AWS::EC2::Volume': (id, w) => `arn:${w.partition}:ec2:${w.region}:${w.account}:volume/${id}`,
  'AWS::EC2::VPC': (id, w) => `arn:${w.partition}:ec2:${w.region}:${w.account}:vpc/${id}`,
  'AWS::CloudTrail::Trail': (id, w) => `arn:${w.partition}:cloudtrail:${w.region}:${w.account}:trail/${id}`,
  // Not an ARN: the id Security Hub gives account-level findings.
  'AWS::::Account': (id) => `AWS::::Account:${id}`,
};

/**
 * The id Security Hub would give the resource: an ARN Config already reported is kept as it is
 * (a multi-Region trail is named by its home Region's ARN), a bare id of a known type becomes its
 * ARN, and anything else stays the bare id (null tells the caller to ask Config).
 */
export function resourceArnOf(configType: string, resourceId: string, where: { partition: string; region: string; account: string }): string | null {
  if (resourceId.startsWith('arn:')) return resourceId;
  const build = Object.hasOwn(arnBuilders, configType) ? arnBuilders[configType] : undefined;
  return build ? build(resourceId, where) : null;
}

/** The partition of an ARN (`aws`, `aws-us-gov`, `aws-cn`), or `aws` when there is none. */
export function partitionOf(arn: string | null | undefined): string {
  return /^arn:(aws(?:-[a-z]+)*):/.exec(arn ?? '')?.[1] ?? 'aws';
}
