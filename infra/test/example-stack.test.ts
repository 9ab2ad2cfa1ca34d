/**
 * Synthesises the CDK app from the repository's own examples/queries.yaml (the file the C++ CLI
 * uses too) once, and asserts every resource the stack must create. Expected values come from the
 * example file and from the AWS documentation, not from the code under test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, REPO_ROOT } from '../lib/app';
import { render, tempDir, writeDummyLambdaZip } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'queries.yaml');

let template: Template;
let annotations: Annotations;
let zip: string;

beforeAll(() => {
  zip = writeDummyLambdaZip(tempDir());
  const app = new App({ context: { config: EXAMPLE, package: zip }, outdir: tempDir('cdk.out-') });
  const stack = buildApp(app);
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const resourcesOf = (type: string): Record<string, any> => template.findResources(type);
const only = (type: string): any => {
  const found = Object.values(resourcesOf(type));
  expect(found).toHaveLength(1);
  return found[0];
};

test('the dummy package is a real zip holding an executable bootstrap', () => {
  const listing = execFileSync('unzip', ['-Z', zip]).toString();
  expect(listing).toMatch(/-rwxr-xr-x .* bootstrap/);
});

describe('Lambda function', () => {
  test('custom runtime on Amazon Linux 2023 with handler bootstrap, code from the package', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'provided.al2023',
      Handler: 'bootstrap',
      Architectures: ['x86_64'],
      MemorySize: 256,
      Timeout: 900,
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
  });

  test('environment carries the file defaults', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          ATHENA_RUNNER_WORKGROUP: 'primary',
          ATHENA_RUNNER_CATALOG: 'AwsDataCatalog',
          ATHENA_RUNNER_DATABASE: 'pizza',
          ATHENA_RUNNER_OUTPUT: 's3://example-athena-results/athena-runner/',
          ATHENA_RUNNER_TIMEOUT: '10m',
          ATHENA_RUNNER_LOG_LEVEL: 'info',
        },
      },
    });
  });

  test('logs go to its own log group, kept 30 days', () => {
    const [logGroupId, logGroup] = Object.entries(resourcesOf('AWS::Logs::LogGroup'))[0];
    expect(Object.keys(resourcesOf('AWS::Logs::LogGroup'))).toHaveLength(1);
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(logGroup.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  test('asynchronous invocations retry twice, then go to an encrypted failure queue', () => {
    const config = only('AWS::Lambda::EventInvokeConfig');
    expect(config.Properties.MaximumRetryAttempts).toBe(2);
    expect(config.Properties.MaximumEventAgeInSeconds).toBe(6 * 3600);
    const destination = config.Properties.DestinationConfig.OnFailure.Destination;
    expect(destination['Fn::GetAtt'][1]).toBe('Arn');
    const queue = resourcesOf('AWS::SQS::Queue')[destination['Fn::GetAtt'][0]];
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('schedules', () => {
  // The query schedules (the events mode sweep schedule carries no query).
  const schedules = (): any[] => Object.values(resourcesOf('AWS::Scheduler::Schedule')).map((r) => r.Properties)
    .filter((p) => 'query' in JSON.parse(p.Target.Input));
  const byQuery = (name: string): any => {
    const found = schedules().filter((s) => JSON.parse(s.Target.Input).query.name === name);
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('one per scheduled query; the on-demand query pizza_menu has none', () => {
    const names = schedules().map((s) => JSON.parse(s.Target.Input).query.name).sort();
    expect(names).toEqual(['category_share_monthly', 'daily_revenue', 'hourly_order_volume', 'weekly_top_pizzas']);
  });

  test('expression and time zone come from the file (query value, else defaults.timezone)', () => {
    expect(byQuery('daily_revenue')).toMatchObject({
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(byQuery('weekly_top_pizzas').ScheduleExpression).toBe('cron(30 7 ? * MON *)');
    expect(byQuery('category_share_monthly').ScheduleExpressionTimezone).toBe('UTC');
  });

  test('payload: the resolved query spec plus the scheduled time placeholder', () => {
    const input = JSON.parse(byQuery('daily_revenue').Target.Input);
    expect(input).toEqual({
      query: {
        name: 'daily_revenue',
        sql: expect.stringContaining('WHERE od.order_date = ?'),
        parameters: ["DATE '{{ scheduled_date | add_days(-1) }}'"],
        workgroup: 'primary',
        catalog: 'AwsDataCatalog',
        database: 'pizza',
        output: 's3://example-athena-results/athena-runner/',
        timeout: '10m',
        timezone: 'Europe/Berlin',
        result_reuse: '60m',
        encryption: { type: 'SSE_S3' },
      },
      scheduled_time: '<aws.scheduler.scheduled-time>',
      schedule_arn: '<aws.scheduler.schedule-arn>',
    });
    expect(JSON.parse(byQuery('hourly_order_volume').Target.Input).query.timeout).toBe('90s');
  });

  test('each targets the function with a retry policy and the dead-letter queue', () => {
    const functionId = Object.keys(resourcesOf('AWS::Lambda::Function'))[0];
    const dlqAlarm = Object.values(resourcesOf('AWS::CloudWatch::Alarm'))
      .find((a) => a.Properties.AlarmDescription.includes('dead-letter'));
    const dlqId = dlqAlarm.Properties.Dimensions[0].Value['Fn::GetAtt'][0];
    for (const s of schedules()) {
      expect(s.Target.Arn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      expect(s.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(s.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
    }
  });

  test("the scheduler's role may only invoke this function and send to the dead-letter queue", () => {
    const roleId = schedules()[0].Target.RoleArn['Fn::GetAtt'][0];
    const role = resourcesOf('AWS::IAM::Role')[roleId].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    }]);
    const statements = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements.map((s: any) => [s.Action, render(s.Resource)])).toEqual([
      ['lambda:InvokeFunction', `<${Object.keys(resourcesOf('AWS::Lambda::Function'))[0]}.Arn>`],
      ['sqs:SendMessage', expect.stringMatching(/^<ScheduleDeadLetterQueue|^<AthenaRunnerScheduleDeadLetterQueue/)],
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
  });
});

describe('queues and alarms', () => {
  test('both queues are encrypted and deny non-TLS access', () => {
    const queues = resourcesOf('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      const policies = Object.values(resourcesOf('AWS::SQS::QueuePolicy'))
        .filter((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: id }]));
      expect(policies).toHaveLength(1);
      expect(policies[0].Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Principal: { AWS: '*' },
      }));
    }
  });

  test('alarms on function errors and on any message in either queue', () => {
    const alarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.map((a) => [a.Namespace, a.MetricName, a.Statistic]).sort()).toEqual([
      ['AWS/Lambda', 'Errors', 'Sum'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum'],
    ]);
    for (const a of alarms) {
      expect(a).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(a.AlarmActions).toBeUndefined(); // no topic configured in this app run
    }
  });

  test('bring-your-own: no workgroup, bucket or topic is created', () => {
    template.resourceCountIs('AWS::Athena::WorkGroup', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no unacknowledged errors or warnings', () => {
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].map((f) => `${f.id}: ${f.entry.data}`);
    expect(findings).toEqual([]);
  });

  test('every acknowledgement carries a written reason', () => {
    const suppressions = Object.values(template.toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(40);
  });

  test('the example names its tables, so no database-wide grant warning', () => {
    expect(annotations.findWarning('*', Match.stringLikeRegexp('names no tables'))).toEqual([]);
  });
});

test('the schema is read from the repository, not copied into infra/', () => {
  const copies = fs.readdirSync(path.join(REPO_ROOT, 'infra'), { recursive: true })
    .map(String).filter((f) => f.endsWith('.schema.json') && !f.includes('node_modules'));
  expect(copies).toEqual([]);
});

describe('IAM least privilege', () => {
  /** Every policy statement in the template, with where it lives. */
  const statements = (): { where: string; identity: boolean; statement: any }[] => {
    const out: { where: string; identity: boolean; statement: any }[] = [];
    for (const [id, r] of Object.entries(template.toJSON().Resources as Record<string, any>)) {
      const p = r.Properties ?? {};
      const add = (doc: any, identity: boolean) =>
        (doc?.Statement ?? []).forEach((statement: any) => out.push({ where: id, identity, statement }));
      if (r.Type === 'AWS::IAM::Role') (p.Policies ?? []).forEach((policy: any) => add(policy.PolicyDocument, true));
      if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') add(p.PolicyDocument, true);
      if (['AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type)) add(p.PolicyDocument, false);
      if (r.Type === 'AWS::KMS::Key') add(p.KeyPolicy, false);
    }
    return out;
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

  test('no AWS managed policies and no customer managed policies: inline only', () => {
    for (const role of Object.values(resourcesOf('AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  test('no "*" resource and no wildcard action in any Allow statement', () => {
    const exampleDataPrefixes = ['example-data-lake/pizza/order_details/', 'example-data-lake/pizza/pizzas/', 'example-data-lake/pizza/pizza_types/'];
    const resultsPrefix = 'example-athena-results/athena-runner/';
    const problems: string[] = [];
    const all = statements();
    expect(all.length).toBeGreaterThan(5);
    for (const { where, identity, statement } of all) {
      if (statement.Effect === 'Deny') {
        // Allowed exception: resource policies that DENY every action without TLS (aws:SecureTransport
        // false) are broader on purpose; a wildcard there removes access, it never grants it.
        expect(identity).toBe(false);
        expect(statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
        continue;
      }
      for (const action of list(statement.Action) as string[]) {
        if (action.includes('*')) problems.push(`${where}: wildcard action ${action}`);
      }
      for (const resource of list(statement.Resource).map(render)) {
        if (resource === '*') { problems.push(`${where}: "*" resource for ${statement.Action}`); continue; }
        if (!resource.includes('*')) continue;
        // Allowed exception: S3 object actions need a key pattern; each must be exactly a prefix the
        // queries file names (a table location or the results location) followed by "*".
        const s3Object = /^arn:<AWS::Partition>:s3:::(.+)\*$/.exec(resource);
        if (s3Object && [...exampleDataPrefixes, resultsPrefix].includes(s3Object[1])) continue;
        problems.push(`${where}: wildcard resource ${resource} for ${statement.Action}`);
      }
    }
    expect(problems).toEqual([]);
  });

  const functionStatements = (): any[] => {
    const fn = only('AWS::Lambda::Function');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    return statements().filter((s) => s.where === roleId || (resourcesOf('AWS::IAM::Policy')[s.where]?.Properties.Roles ?? [])
      .some((r: any) => r.Ref === roleId)).map((s) => s.statement);
  };
  const statementWith = (action: string): any[] => functionStatements().filter((s) => list(s.Action).includes(action));

  test('Athena actions only on the named workgroup, partition-aware', () => {
    const [athena] = statementWith('athena:StartQueryExecution');
    expect(list(athena.Action).sort()).toEqual(['athena:BatchGetQueryExecution', 'athena:GetQueryExecution',
      'athena:GetQueryResults', 'athena:GetWorkGroup', 'athena:StartQueryExecution', 'athena:StopQueryExecution']);
    expect(list(athena.Resource).map(render)).toEqual(['arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/primary']);
  });

  test('Glue read only on the catalog, the database and the named tables', () => {
    const [glue] = statementWith('glue:GetTable');
    expect(list(glue.Action).sort()).toEqual(['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables']);
    const prefix = 'arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:';
    expect(list(glue.Resource).map(render).sort()).toEqual([
      `${prefix}catalog`, `${prefix}database/pizza`, `${prefix}table/pizza/order_details`,
      `${prefix}table/pizza/pizza_types`, `${prefix}table/pizza/pizzas`,
    ]);
  });

  test('S3 read on the table prefixes, ListBucket limited by s3:prefix', () => {
    const reads = statementWith('s3:GetObject').filter((s) => !list(s.Action).includes('s3:PutObject'));
    expect(reads).toHaveLength(1);
    expect(list(reads[0].Action)).toEqual(['s3:GetObject']);
    expect(list(reads[0].Resource).map(render).sort()).toEqual([
      'arn:<AWS::Partition>:s3:::example-data-lake/pizza/order_details/*',
      'arn:<AWS::Partition>:s3:::example-data-lake/pizza/pizza_types/*',
      'arn:<AWS::Partition>:s3:::example-data-lake/pizza/pizzas/*',
    ]);
    const lists = statementWith('s3:ListBucket').map((s) => [render(s.Resource), s.Condition]);
    expect(lists).toContainEqual(['arn:<AWS::Partition>:s3:::example-data-lake', { StringLike: { 's3:prefix': [
      'pizza/order_details/', 'pizza/order_details/*', 'pizza/pizzas/', 'pizza/pizzas/*', 'pizza/pizza_types/', 'pizza/pizza_types/*',
    ] } }]);
    expect(lists).toContainEqual(['arn:<AWS::Partition>:s3:::example-athena-results',
      { StringLike: { 's3:prefix': ['athena-runner/', 'athena-runner/*'] } }]);
    const locations = statementWith('s3:GetBucketLocation').flatMap((s) => list(s.Resource).map(render)).sort();
    expect(locations).toEqual(['arn:<AWS::Partition>:s3:::example-athena-results', 'arn:<AWS::Partition>:s3:::example-data-lake']);
  });

  test('S3 write only on the results prefix', () => {
    const writes = statementWith('s3:PutObject');
    expect(writes).toHaveLength(1);
    // DeleteObject: completion by events removes its open-run markers (athena-runner/open/) under the prefix.
    expect(list(writes[0].Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject']);
    expect(list(writes[0].Resource).map(render)).toEqual(['arn:<AWS::Partition>:s3:::example-athena-results/athena-runner/*']);
  });

  test('logs only on its own log group; no KMS grant when no key is configured', () => {
    const [logsStatement] = statementWith('logs:PutLogEvents');
    const logGroupId = Object.keys(resourcesOf('AWS::Logs::LogGroup'))[0];
    expect(list(logsStatement.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(list(logsStatement.Resource).map(render)).toEqual([`<${logGroupId}.Arn>`]);
    expect(functionStatements().filter((s) => list(s.Action).some((a: any) => String(a).startsWith('kms:')))).toEqual([]);
  });

  test('no hard-coded partition in any ARN', () => {
    const text = JSON.stringify(template.toJSON().Resources);
    expect(text).not.toMatch(/arn:aws:/);
  });
});
