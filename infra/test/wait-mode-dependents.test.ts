/**
 * after: in either completion mode (docs/queries-file.md, "Dependencies"): a dependent gets no schedule of its own;
 * its upstream's schedule payload carries its spec (`dependents`), which the function runs after the upstream
 * succeeded (wait mode: in the same invocation, round by round; events mode: from the upstream's finish). cdk-nag
 * stays clean in both.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AthenaQueryScheduler, CompletionMode } from '../lib/athena-query-scheduler';
import { QueriesFile } from '../lib/queries-file';
import { nagFindings, tempDir, writeDummyLambdaZip } from './helpers';

function synth(completionMode: CompletionMode): { template: Template; annotations: Annotations } {
  const queries = QueriesFile.fromObject({
    defaults: { database: 'pizza', output: 's3://example-results/athena-runner/', timeout: '4m' },
    tables: { 'pizza.orders': { location: 's3://example-lake/pizza/orders/' } },
    queries: {
      load: { schedule: 'cron(0 5 * * ? *)', sql: 'SELECT 1 FROM orders', tables: ['orders'] },
      report: { after: ['load'], sql: 'SELECT 2 FROM orders', tables: ['orders'], on_overlap: 'skip' },
      archive: { after: ['report'], sql: 'SELECT 3 FROM orders', tables: ['orders'], timeout: '2m' },
    },
  });
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, `Dependents${completionMode}`, { env: { account: '123456789012', region: 'eu-central-1' } });
  new AthenaQueryScheduler(stack, 'Scheduler', { queries, lambdaPackage: writeDummyLambdaZip(tempDir()), completionMode });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { template: Template.fromStack(stack), annotations: Annotations.fromStack(stack) };
}

describe.each(['wait', 'events'] as CompletionMode[])('completionMode %s with a chain load → report → archive', (mode) => {
  const { template, annotations } = synth(mode);
  const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule'))
    .map((r: any) => JSON.parse(r.Properties.Target.Input));

  test('only the upstream query has a schedule', () => {
    const queryInputs = inputs.filter((input) => 'query' in input);
    expect(queryInputs.map((input) => input.query.name)).toEqual(['load']);
    // Besides it, only events mode's sweep.
    expect(inputs.filter((input) => !('query' in input)).map((input) => Object.keys(input)))
      .toEqual(mode === 'events' ? [['sweep']] : []);
  });

  test("the upstream's payload carries the dependents' specs, each with its after", () => {
    const load = inputs.find((input) => input.query?.name === 'load');
    expect(load.scheduled_time).toBe('<aws.scheduler.scheduled-time>');
    expect(load.dependents.map((d: any) => [d.name, d.after, d.sql, d.timeout, d.on_overlap])).toEqual([
      ['report', ['load'], 'SELECT 2 FROM orders', '4m', 'skip'],
      ['archive', ['report'], 'SELECT 3 FROM orders', '2m', undefined],
    ]);
    expect(load.query.after).toBeUndefined();
  });

  test('cdk-nag AwsSolutions: no unacknowledged findings', () => {
    expect(nagFindings(annotations)).toEqual([]);
  });
});
