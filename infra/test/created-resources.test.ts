/**
 * The construct used directly with typed queries, creating what it can create: the workgroup,
 * the results bucket, an alarm topic, with a customer managed KMS key, and a query that names no
 * tables. One synth, shared by every test.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AthenaQueryScheduler } from '../lib/athena-query-scheduler';
import { QueriesFile } from '../lib/queries-file';
import { nagFindings, render, tempDir, writeDummyLambdaZip } from './helpers';

const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let template: Template;
let annotations: Annotations;
let construct: AthenaQueryScheduler;

beforeAll(() => {
  const queries = QueriesFile.fromObject({
    defaults: { workgroup: 'athena-runner', database: 'pizza', output: 's3://placeholder-bucket/results/', timeout: '5m' },
    tables: { 'pizza.order_details': { location: 's3://lake-bucket/pizza/order_details/' } },
    queries: {
      revenue: {
        schedule: 'rate(1 day)',
        timezone: 'America/New_York',
        sql: 'SELECT sum(quantity) FROM order_details',
        tables: ['order_details'],
        enabled: false,
      },
      explore: {
        description: 'ad-hoc exploration, no tables named',
        sql: 'SELECT * FROM pizzas LIMIT 10',
        encryption: { type: 'SSE_KMS', kms_key: KEY_ARN },
      },
    },
  });
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Created', { env: { account: '123456789012', region: 'eu-central-1' } });
  construct = new AthenaQueryScheduler(stack, 'Scheduler', {
    queries,
    lambdaPackage: writeDummyLambdaZip(tempDir()),
    createWorkgroup: true,
    createResultsBucket: true,
    kmsKey: new kms.Key(stack, 'ResultsKey', { enableKeyRotation: true }),
    notificationEmails: ['data-team@example.com'],
    architecture: undefined,
    memorySize: 512,
    logLevel: 'debug',
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const resourcesOf = (type: string): Record<string, any> => template.findResources(type);
const bucketId = (): string => Object.keys(resourcesOf('AWS::S3::Bucket'))[0];

test('results bucket: public access blocked, encrypted with the key, TLS enforced, results expire', () => {
  const [bucket] = Object.values(resourcesOf('AWS::S3::Bucket'));
  expect(bucket.DeletionPolicy).toBe('Retain');
  expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
    BucketKeyEnabled: true,
    ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^ResultsKey/), 'Arn'] } },
  });
  expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([{
    Id: 'expire-query-results', Prefix: 'results/', Status: 'Enabled', ExpirationInDays: 30,
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
  const [policy] = Object.values(resourcesOf('AWS::S3::BucketPolicy'));
  const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny');
  expect(denies).toContainEqual(expect.objectContaining({ Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  expect(denies).toContainEqual(expect.objectContaining({ Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }));
});

test('workgroup enforces its output location and encryption, with a scan cutoff and metrics', () => {
  template.hasResourceProperties('AWS::Athena::WorkGroup', {
    Name: 'athena-runner',
    State: 'ENABLED',
    WorkGroupConfiguration: {
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      RequesterPaysEnabled: false,
      BytesScannedCutoffPerQuery: 10737418240,
      EngineVersion: { SelectedEngineVersion: 'AUTO' },
      ResultConfiguration: {
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketId() }, '/results/']] },
        EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResultsKey'), 'Arn'] } },
      },
    },
  });
});

test('queries using defaults.output write to the created bucket; env and payload follow', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    MemorySize: 512,
    Environment: { Variables: Match.objectLike({
      ATHENA_RUNNER_WORKGROUP: 'athena-runner',
      ATHENA_RUNNER_OUTPUT: { 'Fn::Join': ['', ['s3://', { Ref: bucketId() }, '/results/']] },
      ATHENA_RUNNER_TIMEOUT: '5m',
      ATHENA_RUNNER_LOG_LEVEL: 'debug',
    }) },
  });
  const [schedule] = Object.values(resourcesOf('AWS::Scheduler::Schedule')).filter((r: any) => r.Properties.ScheduleExpression === 'rate(1 day)');
  expect(schedule.Properties.ScheduleExpression).toBe('rate(1 day)');
  expect(schedule.Properties.ScheduleExpressionTimezone).toBe('America/New_York');
  expect(schedule.Properties.State).toBe('DISABLED');
  expect(render(schedule.Properties.Target.Input)).toContain(`"output":"s3://<${bucketId()}>/results/"`);
});

test('on-demand query: no schedule (the other schedule is the events mode sweep)', () => {
  template.resourceCountIs('AWS::Scheduler::Schedule', 2);
  expect(Object.keys(construct.schedules)).toEqual(['revenue']);
  expect(construct.sweepSchedule).toBeDefined();
});

test('a query naming no tables: database-wide Glue grant, with a synth warning', () => {
  const warnings = annotations.findWarning('*', Match.stringLikeRegexp('names no tables'));
  expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringContaining(
    'queries.explore names no tables: the function may read every table of database "pizza" in Glue')]);
  const fnRole = resourcesOf('AWS::IAM::Role')[template.toJSON().Resources[Object.keys(resourcesOf('AWS::Lambda::Function'))[0]].Properties.Role['Fn::GetAtt'][0]];
  const statements = fnRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const glue = statements.find((s: any) => [s.Action].flat().includes('glue:GetTable'));
  expect([glue.Resource].flat().map(render)).toContain('arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/pizza/*');
  const kmsStatement = statements.find((s: any) => s.Sid === 'KmsForResults');
  expect([kmsStatement.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey']);
  expect([kmsStatement.Resource].flat().map(render).sort()).toEqual([`<${Object.keys(resourcesOf('AWS::KMS::Key'))[0]}.Arn>`, KEY_ARN].sort());
});

test('alarm topic: encrypted with the key, TLS enforced, email subscription, used by every alarm', () => {
  const [topicId, topic] = Object.entries(resourcesOf('AWS::SNS::Topic'))[0];
  expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ResultsKey/), 'Arn'] });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'data-team@example.com', TopicArn: { Ref: topicId } });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([
    Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  const alarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm'));
  expect(alarms).toHaveLength(3);
  for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
    Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) } });
});

test('cdk-nag AwsSolutions: no unacknowledged findings, each acknowledgement with a reason', () => {
  expect(nagFindings(annotations)).toEqual([]);
  const suppressions = Object.values(template.toJSON().Resources as Record<string, any>)
    .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  expect(suppressions.map((s: any) => s.id)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-SQS3', 'AwsSolutions-IAM5']));
  for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(40);
});
