/**
 * Wait mode and on_overlap: a skip or queue query keeps its run record and open marker while the invocation
 * waits (src/lambda/README.md, "Overlap"), so the function may delete under its results prefix; with every
 * query `allow`, wait mode writes no records and gets no DeleteObject.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AthenaQueryScheduler } from '../lib/athena-query-scheduler';
import { QueriesFile } from '../lib/queries-file';
import { tempDir, writeDummyLambdaZip } from './helpers';

function resultsActions(onOverlap?: string): string[] {
  const queries = QueriesFile.fromObject({
    defaults: { database: 'pizza', output: 's3://example-results/athena-runner/' },
    tables: { 'pizza.orders': { location: 's3://example-lake/pizza/orders/' } },
    queries: {
      refresh: { schedule: 'rate(15 minutes)', sql: 'SELECT 1 FROM orders', tables: ['orders'],
        ...(onOverlap ? { on_overlap: onOverlap } : {}) },
    },
  });
  const app = new App({ outdir: tempDir('cdk.out-') });
  const stack = new Stack(app, 'Wait', { env: { account: '123456789012', region: 'eu-central-1' } });
  new AthenaQueryScheduler(stack, 'Scheduler', { queries, lambdaPackage: writeDummyLambdaZip(tempDir()), completionMode: 'wait' });
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Role');
  const statements = Object.values(policies).flatMap((role: any) =>
    (role.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement));
  const results = statements.find((s: any) => s.Sid === 'ResultsWriteObjects');
  return [results.Action].flat().sort();
}

test('wait mode with on_overlap queue may delete its open markers', () => {
  expect(resultsActions('queue')).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject']);
});

test('wait mode with every query allow writes no records and deletes nothing', () => {
  expect(resultsActions()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject']);
});
