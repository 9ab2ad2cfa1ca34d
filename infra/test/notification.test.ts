/**
 * Notification (docs/queries-file.md, "Notification"): the stack's topic when a query's notify names `stack`
 * (created with TLS enforced and encryption, or the given notifyTopicArn), sns:Publish on exactly the topics the
 * function publishes to, ATHENA_RUNNER_NOTIFY_TOPIC, notify in the schedule payload, and bad configuration.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AthenaQueryScheduler, AthenaQuerySchedulerProps } from '../lib/athena-query-scheduler';
import { buildApp } from '../lib/app';
import { QueriesFile } from '../lib/queries-file';
import { nagFindings, render, tempDir, thrownMessage, writeDummyLambdaZip, writeQueriesFile } from './helpers';

const zip = writeDummyLambdaZip(tempDir());
const ALERTS = 'arn:aws:sns:eu-central-1:123456789012:data-team-alerts';

function queriesWith(notifyDefaults: Record<string, string> | undefined): QueriesFile {
  return QueriesFile.fromObject({
    defaults: { database: 'pizza', output: 's3://example-results/athena-runner/', ...(notifyDefaults ? { notify: notifyDefaults } : {}) },
    tables: { orders: { location: 's3://example-lake/pizza/orders/' } },
    queries: {
      daily: { schedule: 'cron(0 5 * * ? *)', sql: 'SELECT 1 FROM orders', tables: ['orders'] },
      weekly: { schedule: 'cron(0 6 ? * MON *)', sql: 'SELECT 2 FROM orders', tables: ['orders'], notify: { on_success: ALERTS } },
      quiet: { schedule: 'cron(0 7 * * ? *)', sql: 'SELECT 3 FROM orders', tables: ['orders'], notify: {} },
    },
  });
}

function synth(queries: QueriesFile, props: Partial<AthenaQuerySchedulerProps> = {}) {
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Notify', { env: { account: '123456789012', region: 'eu-central-1' } });
  const construct = new AthenaQueryScheduler(stack, 'Scheduler', { queries, lambdaPackage: zip, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { construct, template: Template.fromStack(stack), annotations: Annotations.fromStack(stack) };
}

function publishStatement(template: Template): any {
  const resources = template.toJSON().Resources;
  const fn = Object.values(resources).find((r: any) => r.Type === 'AWS::Lambda::Function') as any;
  const role = resources[fn.Properties.Role['Fn::GetAtt'][0]];
  const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const sns = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('sns:')));
  expect(sns.length).toBeLessThanOrEqual(1);
  return sns[0];
}

const payloads = (template: Template): Record<string, any> =>
  Object.fromEntries(Object.values(template.findResources('AWS::Scheduler::Schedule'))
    .map((r: any) => JSON.parse(r.Properties.Target.Input))
    .filter((input) => 'query' in input)
    .map((input) => [input.query.name, input]));

describe('a query naming stack: the stack creates the topic', () => {
  let result: ReturnType<typeof synth>;
  beforeAll(() => {
    result = synth(queriesWith({ on_failure: 'stack' }));
  });

  test('one topic, TLS enforced, encrypted with the AWS managed SNS key', () => {
    const { template, construct } = result;
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const [topicId, topic] = Object.entries(template.findResources('AWS::SNS::Topic'))[0] as [string, any];
    expect(topic.Properties.DisplayName).toBe('athena-runner runs');
    expect(render(topic.Properties.KmsMasterKeyId)).toBe('arn:<AWS::Partition>:kms:eu-central-1:123456789012:alias/aws/sns');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
    expect(render(Stack.of(construct).resolve(construct.notifyTopic!.topicArn))).toBe(`<${topicId}>`);
  });

  test('the function may publish to exactly that topic and the topics the file names', () => {
    const { template } = result;
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    const statement = publishStatement(template);
    expect(statement.Sid).toBe('PublishNotifications');
    expect(statement.Action).toBe('sns:Publish');
    expect([statement.Resource].flat().map(render).sort()).toEqual([`<${topicId}>`, ALERTS].sort());
  });

  test('ATHENA_RUNNER_NOTIFY_TOPIC names the topic; each payload carries its query\'s notify', () => {
    const { template } = result;
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ATHENA_RUNNER_NOTIFY_TOPIC: { Ref: topicId } }) },
    });
    const byName = payloads(template);
    expect(byName.daily.query.notify).toEqual({ on_failure: 'stack' });
    expect(byName.weekly.query.notify).toEqual({ on_success: ALERTS });  // the query's replaces the defaults'
    expect(byName.quiet.query.notify).toBeUndefined();                 // notify: {} turns it off
  });

  test('cdk-nag AwsSolutions (SNS2, SNS3 among them): no findings', () => {
    expect(nagFindings(result.annotations)).toEqual([]);
  });
});

test('with a customer managed key the topic is encrypted with it', () => {
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Kms', { env: { account: '123456789012', region: 'eu-central-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  new AthenaQueryScheduler(stack, 'Scheduler', { queries: queriesWith({ on_failure: 'stack' }), lambdaPackage: zip, kmsKey: key });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
    KmsMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
  });
});

test('notifyTopicArn: no topic is created; publish on exactly that ARN', () => {
  const given = 'arn:aws:sns:eu-central-1:123456789012:existing-runs';
  const { template, annotations } = synth(queriesWith({ on_success: 'stack', on_failure: 'stack' }), { notifyTopicArn: given });
  template.resourceCountIs('AWS::SNS::Topic', 0);
  expect([publishStatement(template).Resource].flat().map(render).sort()).toEqual([ALERTS, given].sort());
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ ATHENA_RUNNER_NOTIFY_TOPIC: given }) },
  });
  expect(nagFindings(annotations)).toEqual([]);
});

test('no query names stack: no topic, no variable; only the named ARN is granted', () => {
  const { template } = synth(queriesWith(undefined));
  template.resourceCountIs('AWS::SNS::Topic', 0);
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
  expect(fn.Properties.Environment.Variables.ATHENA_RUNNER_NOTIFY_TOPIC).toBeUndefined();
  expect(publishStatement(template).Resource).toBe(ALERTS);
});

test('no notify anywhere: no sns statement at all', () => {
  const queries = QueriesFile.fromObject({
    defaults: { database: 'pizza', output: 's3://example-results/athena-runner/' },
    queries: { daily: { schedule: 'cron(0 5 * * ? *)', sql: 'SELECT 1', tables: [] } },
  });
  expect(publishStatement(synth(queries).template)).toBeUndefined();
});

describe('bad configuration fails synth with exact messages', () => {
  const dir = tempDir();
  let counter = 0;
  const synthError = (notifyYaml: string, context: Record<string, string> = {}) => {
    const file = writeQueriesFile(dir, `defaults:
  database: pizza
  output: s3://example-athena-results/athena-runner/
queries:
  daily_revenue:
    sql: SELECT 1
    tables: []
${notifyYaml}`, `notify-${counter++}.yaml`);
    const app = new App({ context: { config: file, package: zip, ...context }, outdir: tempDir('cdk.out-') });
    return { file, message: thrownMessage(() => buildApp(app)) };
  };

  test('a malformed topic ARN (an 11-digit account)', () => {
    const { file, message } = synthError('    notify: {on_failure: "arn:aws:sns:eu-central-1:12345678901:alerts"}\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.notify.on_failure: malformed SNS topic ARN "arn:aws:sns:eu-central-1:12345678901:alerts": expected arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - and _>, or stack for the function's topic`);
  });

  test('a FIFO topic', () => {
    const { file, message } = synthError('    notify: {on_success: "arn:aws:sns:eu-central-1:123456789012:runs.fifo"}\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.notify.on_success: SNS topic "arn:aws:sns:eu-central-1:123456789012:runs.fifo" is a FIFO topic, whose messages need a message group: use a standard topic, or stack for the function's topic`);
  });

  test('neither an ARN nor stack (the schema)', () => {
    const { file, message } = synthError('    notify: {on_failure: alerts}\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.notify.on_failure: must match pattern "^(stack$|arn:)"`);
  });

  test('-c notifyTopicArn malformed', () => {
    const { file, message } = synthError('    notify: {on_failure: stack}\n', { notifyTopicArn: 'arn:aws:sqs:eu-central-1:123456789012:q' });
    expect(message).toBe(`Invalid queries file ${file}:
  - notifyTopicArn: malformed SNS topic ARN "arn:aws:sqs:eu-central-1:123456789012:q": expected arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - and _>`);
  });

  test('-c notifyTopicArn while no query names stack', () => {
    const { file, message } = synthError('', { notifyTopicArn: 'arn:aws:sns:eu-central-1:123456789012:runs' });
    expect(message).toBe(`Invalid queries file ${file}:
  - notifyTopicArn: no query's notify names stack, so nothing would publish to it: add notify: {on_failure: stack} (to defaults or a query) or leave notifyTopicArn out`);
  });
});
