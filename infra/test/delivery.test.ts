/**
 * deliver: (docs/queries-file.md, "Delivery"): the function's role may write exactly the destination prefixes (each
 * `to` up to its first template), keep destinations may also be read and listed there, the schedule payload carries
 * the destinations, cdk-nag stays clean; bad destinations fail synth with the C++ loader's messages.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../lib/app';
import { AthenaQueryScheduler } from '../lib/athena-query-scheduler';
import { QueriesFile } from '../lib/queries-file';
import { nagFindings, render, tempDir, thrownMessage, writeDummyLambdaZip, writeQueriesFile } from './helpers';

let template: Template;
let annotations: Annotations;

beforeAll(() => {
  const queries = QueriesFile.fromObject({
    defaults: { database: 'pizza', output: 's3://example-results/athena-runner/' },
    tables: { 'pizza.orders': { location: 's3://example-lake/pizza/orders/' } },
    queries: {
      daily_revenue: {
        schedule: 'cron(0 6 * * ? *)', sql: 'SELECT 1 FROM orders', tables: ['orders'],
        deliver: [
          { to: 's3://example-reports/daily_revenue/{{ scheduled_date }}.csv' },
          { to: 's3://example-reports/gz/', format: 'csv.gz' },
          { to: 's3://example-exports/latest.csv', overwrite: 'keep' },
        ],
      },
      monthly: {
        schedule: 'cron(0 7 1 * ? *)', sql: 'SELECT 2 FROM orders', tables: ['orders'], timeout: '5m',
        deliver: [{ to: 's3://example-reports/monthly/{{ scheduled_year }}/', format: 'parquet' }],
      },
    },
  });
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Delivery', { env: { account: '123456789012', region: 'eu-central-1' } });
  new AthenaQueryScheduler(stack, 'Scheduler', { queries, lambdaPackage: writeDummyLambdaZip(tempDir()) });
  Aspects.of(app).add(new AwsSolutionsChecks());
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const functionStatements = (): any[] => {
  const resources = template.toJSON().Resources;
  const fn = Object.values(resources).find((r: any) => r.Type === 'AWS::Lambda::Function') as any;
  return resources[fn.Properties.Role['Fn::GetAtt'][0]].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
};
const resources = (statement: any): string[] => [statement.Resource].flat().map(render).sort();

test('replace destinations: s3:PutObject (and aborting its multipart uploads) on each prefix up to the first template', () => {
  const deliver = functionStatements().find((s) => s.Sid === 'DeliverObjects');
  expect([deliver.Action].flat().sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
  expect(resources(deliver)).toEqual([
    'arn:<AWS::Partition>:s3:::example-reports/daily_revenue/*',
    'arn:<AWS::Partition>:s3:::example-reports/gz/*',
    'arn:<AWS::Partition>:s3:::example-reports/monthly/*',
  ]);
});

test('keep destinations: also read (HeadObject) and list that prefix only', () => {
  const statements = functionStatements();
  const objects = statements.find((s) => s.Sid === 'DeliverKeepObjects');
  expect([objects.Action].flat().sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
  expect(resources(objects)).toEqual(['arn:<AWS::Partition>:s3:::example-exports/latest.csv*']);
  const list = statements.find((s) => s.Sid === 'DeliverKeepList0');
  expect(list.Action).toBe('s3:ListBucket');
  expect(resources(list)).toEqual(['arn:<AWS::Partition>:s3:::example-exports']);
  expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['latest.csv', 'latest.csv*'] } });
});

test('no statement grants anything on a destination bucket beyond those prefixes', () => {
  for (const statement of functionStatements()) {
    for (const resource of resources(statement)) {
      if (!/example-(reports|exports)/.test(resource)) continue;
      expect([
        'arn:<AWS::Partition>:s3:::example-reports/daily_revenue/*',
        'arn:<AWS::Partition>:s3:::example-reports/gz/*',
        'arn:<AWS::Partition>:s3:::example-reports/monthly/*',
        'arn:<AWS::Partition>:s3:::example-exports/latest.csv*',
        'arn:<AWS::Partition>:s3:::example-exports',
      ]).toContain(resource);
    }
  }
});

test('the schedule payload carries the destinations as written', () => {
  const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule'))
    .map((r: any) => JSON.parse(r.Properties.Target.Input)).filter((input) => 'query' in input);
  const daily = inputs.find((input) => input.query.name === 'daily_revenue');
  expect(daily.query.deliver).toEqual([
    { to: 's3://example-reports/daily_revenue/{{ scheduled_date }}.csv' },
    { to: 's3://example-reports/gz/', format: 'csv.gz' },
    { to: 's3://example-exports/latest.csv', overwrite: 'keep' },
  ]);
});

test('cdk-nag AwsSolutions: no unacknowledged findings', () => {
  expect(nagFindings(annotations)).toEqual([]);
});

describe('bad destinations fail synth with exact messages', () => {
  const dir = tempDir();
  const zip = writeDummyLambdaZip(dir);
  let counter = 0;
  const synthError = (deliver: string, queryLines = '', context: Record<string, string> = {}): { file: string; message: string } => {
    const file = writeQueriesFile(dir, `defaults:
  database: pizza
  output: s3://example-athena-results/athena-runner/
tables:
  order_details:
    location: s3://example-data-lake/pizza/order_details/
queries:
  daily_revenue:
    sql: SELECT count(*) FROM order_details
    tables: [order_details]
${queryLines}    deliver:
${deliver}`, `deliver-${counter++}.yaml`);
    const app = new App({ context: { config: file, package: zip, ...context }, outdir: tempDir('cdk.out-') });
    return { file, message: thrownMessage(() => buildApp(app)) };
  };

  test('a bucket that is not a bucket name', () => {
    const { file, message } = synthError('      - to: s3://My_Reports/q.csv\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].to: malformed S3 destination "s3://My_Reports/q.csv": bucket "My_Reports" is not a valid bucket name (3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit; templates are allowed in the key only)`);
  });

  test('an unknown format', () => {
    const { file, message } = synthError('      - to: s3://reports/q.xlsx\n        format: xlsx\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].format: "xlsx" is not one of csv, csv.gz, parquet, json`);
  });

  test('parquet to a key instead of a prefix', () => {
    const { file, message } = synthError('      - to: s3://reports/q.parquet\n        format: parquet\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].to: format parquet is written by Athena's UNLOAD, which may split the result into several files: "to" must be a prefix ending with "/", not "s3://reports/q.parquet"`);
  });

  test('results encrypted client-side', () => {
    const { file, message } = synthError('      - to: s3://reports/q.csv\n',
      '    encryption: {type: CSE_KMS, kms_key: "arn:aws:kms:eu-central-1:123456789012:key/abc"}\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver: results encrypted with CSE_KMS are ciphertext to S3, so a delivery would copy (or gzip) ciphertext: use SSE_KMS or SSE_S3 for a query with deliver`);
  });

  test('an unknown template variable', () => {
    const { file, message } = synthError('      - to: "s3://reports/{{ scheduled_dat }}.csv"\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].to:1:17: unknown variable "scheduled_dat"; variables: scheduled_time, scheduled_time_utc, scheduled_time_local, scheduled_date, scheduled_year, scheduled_month, scheduled_day, scheduled_hour, scheduled_minute, scheduled_epoch, query_name`);
  });

  test('in wait mode, the query and its UNLOAD must both fit in the function timeout', () => {
    const { file, message } = synthError('      - to: s3://reports/monthly/\n        format: parquet\n', '    timeout: 8m\n', { completionMode: 'wait' });
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].format: parquet is written by an UNLOAD the function waits for, up to the query timeout: the query and its UNLOAD, 2 x 8m plus 30s does not fit in the function timeout of 900s: shorten the query timeout or deliver csv`);
  });

  test('an UNLOAD the finishing invocation would wait for longer than the function may run', () => {
    const { file, message } = synthError('      - to: s3://reports/monthly/\n        format: json\n', '    timeout: 1h\n');
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.deliver[0].format: json is written by an UNLOAD the function waits for, up to the query timeout: 1h plus 30s does not fit in the function timeout of 900s: shorten the query timeout or deliver csv`);
  });
});
