/**
 * Completion by events (the default): the rule on Athena Query State Change events of the stack's work
 * groups, the function's permission for events from that rule only, the sweep schedule, the function's
 * configuration, and `after:` dependents carried in the upstream query's schedule payload. One synth.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AthenaQueryScheduler } from '../lib/athena-query-scheduler';
import { QueriesFile } from '../lib/queries-file';
import { nagFindings, render, tempDir, writeDummyLambdaZip } from './helpers';

let template: Template;
let annotations: Annotations;
let construct: AthenaQueryScheduler;

beforeAll(() => {
  const queries = QueriesFile.fromObject({
    defaults: { workgroup: 'reports', database: 'pizza', output: 's3://example-results/athena-runner/' },
    tables: { 'pizza.orders': { location: 's3://example-lake/pizza/orders/' } },
    queries: {
      load: { schedule: 'cron(0 5 * * ? *)', sql: 'SELECT 1 FROM orders', tables: ['orders'], on_overlap: 'queue' },
      clean: { sql: 'SELECT 2 FROM orders', tables: ['orders'], after: ['load'] },
      report: { sql: 'SELECT 3 FROM orders', tables: ['orders'], after: ['clean'], workgroup: 'finance',
        output: 's3://example-finance/reports/' },
      adhoc: { sql: 'SELECT 4 FROM orders', tables: ['orders'] },
    },
  });
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Events', { env: { account: '123456789012', region: 'eu-central-1' } });
  construct = new AthenaQueryScheduler(stack, 'Scheduler', { queries, lambdaPackage: writeDummyLambdaZip(tempDir()) });
  Aspects.of(app).add(new AwsSolutionsChecks());
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const functionId = (): string => Object.keys(template.findResources('AWS::Lambda::Function'))[0];
const ruleId = (): string => Object.keys(template.findResources('AWS::Events::Rule'))[0];
/** The synthesised schedules' inputs, parsed. */
const inputs = (): any[] =>
  Object.values(template.findResources('AWS::Scheduler::Schedule')).map((r: any) => JSON.parse(r.Properties.Target.Input));

test('the rule: final states of Athena Query State Change events in the stack\'s work groups, to the function', () => {
  template.resourceCountIs('AWS::Events::Rule', 1);
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      'source': ['aws.athena'],
      'detail-type': ['Athena Query State Change'],
      'detail': { workgroupName: ['reports', 'finance'], currentState: ['SUCCEEDED', 'FAILED', 'CANCELLED'] },
    },
    State: 'ENABLED',
    Targets: [Match.objectLike({
      Arn: { 'Fn::GetAtt': [functionId(), 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerScheduleDeadLetterQueue'), 'Arn'] } },
    })],
  });
});

test('the function may be invoked by EventBridge from that rule only', () => {
  const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
  expect(permissions).toHaveLength(1);
  expect(permissions[0].Properties).toEqual({
    Action: 'lambda:InvokeFunction',
    FunctionName: { 'Fn::GetAtt': [functionId(), 'Arn'] },
    Principal: 'events.amazonaws.com',
    SourceArn: { 'Fn::GetAtt': [ruleId(), 'Arn'] },
  });
});

test('completion mode events, the sweep schedule over every results prefix, and the marker deletes', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ ATHENA_RUNNER_COMPLETION_MODE: 'events' }) },
  });
  expect(construct.sweepSchedule!.scheduleExpression).toBe('rate(5 minutes)');
  const sweeps = inputs().filter((input) => 'sweep' in input);
  expect(sweeps).toEqual([{ sweep: { locations: ['s3://example-results/athena-runner/', 's3://example-finance/reports/'] } }]);
  const role = template.toJSON().Resources[template.toJSON().Resources[functionId()].Properties.Role['Fn::GetAtt'][0]];
  const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const results = statements.find((s: any) => s.Sid === 'ResultsWriteObjects');
  expect(results.Action).toContain('s3:DeleteObject');
  expect([results.Resource].flat().map(render).sort()).toEqual([
    'arn:<AWS::Partition>:s3:::example-finance/reports/*',
    'arn:<AWS::Partition>:s3:::example-results/athena-runner/*',
  ]);
});

test('a dependent has no schedule; the upstream payload carries every dependent with its after', () => {
  expect(Object.keys(construct.schedules)).toEqual(['load']);
  const payloads = inputs().filter((input) => 'query' in input);
  expect(payloads).toHaveLength(1);
  const payload = payloads[0];
  expect(payload.query.name).toBe('load');
  expect(payload.dependents.map((d: any) => [d.name, d.after])).toEqual([['clean', ['load']], ['report', ['clean']]]);
  expect(payload.dependents[1].output).toBe('s3://example-finance/reports/');
  expect(payload.query.after).toBeUndefined();
  expect(payload.query.on_overlap).toBe('queue');  // the function applies it
  expect(payload.dependents[0].on_overlap).toBeUndefined();  // allow, the default, is left out
});

test('cdk-nag AwsSolutions: no unacknowledged findings', () => {
  expect(nagFindings(annotations)).toEqual([]);
});
