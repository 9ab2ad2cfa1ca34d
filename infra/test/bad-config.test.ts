/**
 * Bad configuration fails synth with an exact message that says what to do. Each case goes
 * through the real app entry point (buildApp with -c context), so the message is what
 * `cdk synth` prints. Rules come from the EventBridge Scheduler and S3 documentation.
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { parseDurationSeconds, parseS3Location, scheduleExpressionError, timeZoneError } from '../lib/validation';
import { tempDir, thrownMessage, writeDummyLambdaZip, writeQueriesFile } from './helpers';

const dir = tempDir();
const zip = writeDummyLambdaZip(dir);

/** A valid file with one query; `query` lines are appended to the query's keys. */
function fileWith(queryLines: string, extraTopLevel = ''): string {
  return `defaults:
  database: pizza
  output: s3://example-athena-results/athena-runner/
tables:
  order_details:
    location: s3://example-data-lake/pizza/order_details/
${extraTopLevel}queries:
  daily_revenue:
    sql: SELECT count(*) FROM order_details
    tables: [order_details]
${queryLines}`;
}

let counter = 0;
/** Synthesises the app for this YAML and returns the error message. */
function synthError(yaml: string, context: Record<string, string> = {}): { file: string; message: string } {
  const file = writeQueriesFile(dir, yaml, `queries-${counter++}.yaml`);
  const app = new App({ context: { config: file, package: zip, ...context }, outdir: tempDir('cdk.out-') });
  return { file, message: thrownMessage(() => buildApp(app)) };
}

test('invalid cron: five fields', () => {
  const { file, message } = synthError(fileWith('    schedule: cron(0 6 * * ?)\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.schedule: invalid cron expression "cron(0 6 * * ?)": expected 6 fields, cron(minutes hours day-of-month month day-of-week year), got 5; for example cron(0 6 * * ? *)`);
});

test('invalid cron: day-of-month and day-of-week both set', () => {
  const { file, message } = synthError(fileWith('    schedule: cron(0 6 * * MON *)\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.schedule: invalid cron expression "cron(0 6 * * MON *)": exactly one of day-of-month ("*") and day-of-week ("MON") must be "?"`);
});

test('invalid rate: plural unit with a value of 1', () => {
  const { file, message } = synthError(fileWith('    schedule: rate(1 hours)\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.schedule: invalid rate expression "rate(1 hours)": a value of 1 takes the singular unit: rate(1 hour)`);
});

test('unknown time zone', () => {
  const { file, message } = synthError(fileWith('    schedule: cron(0 6 * * ? *)\n    timezone: Europe/Berlinn\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.timezone: unknown time zone "Europe/Berlinn": use an IANA name such as Europe/Berlin, America/New_York or UTC`);
});

test('malformed S3 location: invalid bucket name', () => {
  const { file, message } = synthError(fileWith('    output: s3://Example_Results/athena/\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.output: malformed S3 location "s3://Example_Results/athena/": bucket "Example_Results" is not a valid bucket name; expected s3://bucket/prefix/ ending with "/", with a bucket name of 3-63 characters of a-z, 0-9, "." and "-"`);
});

test('malformed S3 location: a table location without the trailing "/"', () => {
  const yaml = fileWith('').replace('s3://example-data-lake/pizza/order_details/', 's3://example-data-lake/pizza/order_details');
  const { file, message } = synthError(yaml);
  expect(message).toBe(`Invalid queries file ${file}:
  - tables.order_details.location: malformed S3 location "s3://example-data-lake/pizza/order_details": a location is a prefix and must end with "/" (s3://example-data-lake/pizza/order_details/)`);
});

test('missing package', () => {
  const file = writeQueriesFile(dir, fileWith(''), 'valid.yaml');
  const missing = path.join(dir, 'no-such-dir', 'athena-runner-lambda.zip');
  const app = new App({ context: { config: file, package: missing }, outdir: tempDir('cdk.out-') });
  expect(thrownMessage(() => buildApp(app))).toBe(
    `Lambda package not found: ${missing}. Build it with scripts/package-lambda.sh (from the repository root), ` +
      'or pass the path of an existing zip with -c package=path/to/athena-runner-lambda.zip');
});

test('schema violation: misspelt key, with its key path', () => {
  const { file, message } = synthError(fileWith('    timout: 10m\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue: unknown key "timout"`);
});

test('schema violation: several problems are all listed', () => {
  const yaml = fileWith('    parameters: []\n    encryption: {type: SSE_KMS}\n    sql_file: q.sql\n');
  const { file, message } = synthError(yaml);
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue: must have exactly one of "sql" and "sql_file"
  - queries.daily_revenue.parameters: must NOT have fewer than 1 items
  - queries.daily_revenue.encryption: kms_key is required for SSE_KMS and CSE_KMS`);
});

test('a named table with no data location', () => {
  const { file, message } = synthError(fileWith('').replace('tables: [order_details]', 'tables: [order_details, pizzas]'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.tables[1]: table "pizza.pizzas" has no data location: add "pizza.pizzas:" with "location: s3://bucket/prefix/" under the top-level tables section`);
});

test('a query timeout that does not fit in the function timeout (wait mode)', () => {
  const { file, message } = synthError(fileWith('    timeout: 15m\n'), { completionMode: 'wait' });
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.timeout: 15m plus 30s to stop the query does not fit in the function timeout of 900s: shorten the query timeout (the function runs at most 15 minutes)`);
});

test('events mode: a query may run longer than the function', () => {
  const file = writeQueriesFile(dir, fileWith('    timeout: 2h\n'), `queries-${counter++}.yaml`);
  const app = new App({ context: { config: file, package: zip }, outdir: tempDir('cdk.out-') });
  expect(() => buildApp(app)).not.toThrow();
});

/** fileWith plus queries after daily_revenue (each `name: [upstream, ...]`). */
function withDependents(dependents: Record<string, string[]>, extra = ''): string {
  return fileWith(extra) + Object.entries(dependents)
    .map(([name, after]) => `  ${name}:\n    sql: SELECT 1\n    tables: [order_details]\n    after: [${after.join(', ')}]\n`).join('');
}

test('after: an unknown query', () => {
  const { file, message } = synthError(withDependents({ report: ['daily_revenue', 'daily_revenu'] }));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.report.after[1]: unknown query "daily_revenu" (queries: daily_revenue, report)`);
});

test('after: a cycle', () => {
  const { file, message } = synthError(withDependents({ a: ['c'], b: ['a'], c: ['b'] }));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.a.after: a cycle of after: a → c → b → a (each runs after the next)`);
});

test('after: a dependent with its own schedule', () => {
  const { file, message } = synthError(withDependents({}, '    schedule: rate(1 day)\n    after: [other]\n  other:\n    sql: SELECT 1\n    tables: [order_details]\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.schedule: a query with after runs when its upstream query succeeds and has no schedule of its own: remove schedule or after`);
});

test('after in wait mode: the chain of rounds must fit in the function timeout', () => {
  // daily_revenue (scheduled), then report and audit together: 10m + the longer of 10m and 10m = 1200 s.
  const yaml = withDependents({ report: ['daily_revenue'], audit: ['daily_revenue'] })
    .replace('    tables: [order_details]\n', '    tables: [order_details]\n    schedule: rate(1 day)\n');
  const { file, message } = synthError(yaml, { completionMode: 'wait' });
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue: in completionMode "wait" one invocation runs daily_revenue and then its dependents round by round (daily_revenue 10m, then the longest of report 10m, audit 10m): 1200s plus 30s does not fit in the function timeout of 900s: shorten their timeouts, or use completionMode "events", where no invocation waits for a query`);
});

test('on_overlap: only allow, skip or queue, and not in defaults', () => {
  const { file, message } = synthError(fileWith('    on_overlap: wait\n'));
  expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.on_overlap: "wait" is not one of allow, skip, queue`);
  const inDefaults = synthError(fileWith('').replace('  database: pizza\n', '  database: pizza\n  on_overlap: skip\n'));
  expect(inDefaults.message).toBe(`Invalid queries file ${inDefaults.file}:
  - defaults: unknown key "on_overlap"`);
});

test('completionMode: only events or wait', () => {
  const { message } = synthError(fileWith(''), { completionMode: 'poll' });
  expect(message).toBe('-c completionMode=poll: expected events or wait');
});

test('createWorkgroup refuses to create "primary"', () => {
  const { file, message } = synthError(fileWith(''), { createWorkgroup: 'true' });
  expect(message).toBe(`Invalid queries file ${file}:
  - defaults.workgroup: createWorkgroup cannot create "primary", which exists in every account: name a new workgroup (e.g. -c workgroup=athena-runner)`);
});

test('no -c config', () => {
  const app = new App({ context: { package: zip }, outdir: tempDir('cdk.out-') });
  expect(thrownMessage(() => buildApp(app))).toMatch(/^No queries file given: pass -c config=path\/to\/queries.yaml, e.g.\n {2}cdk synth -c config=/);
});

describe('EventBridge Scheduler expressions (docs: schedule-types.html)', () => {
  test.each([
    'cron(0 6 * * ? *)', 'cron(30 7 ? * MON *)', 'cron(5 11-23 * * ? *)', 'cron(0 5 1 * ? *)', 'cron(0/15 * * * ? *)',
    'cron(0 18 ? * MON-FRI *)', 'cron(0 8 1,15 JAN,JUL ? 2030)', 'cron(0 10 L * ? *)', 'cron(0 10 15W * ? *)',
    'cron(0 10 ? * 6#3 *)', 'cron(0 10 ? * 2L *)', 'rate(1 minute)', 'rate(5 minutes)', 'rate(1 day)', 'rate(12 hours)',
    'at(2030-01-31T06:00:00)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionError(expression)).toBeUndefined();
  });

  test.each([
    ['cron(60 6 * * ? *)', 'minutes field "60" is not a value, range, list or increment within 0-59'],
    ['cron(0 24 * * ? *)', 'hours field "24" is not a value, range, list or increment within 0-23'],
    ['cron(0 6 32 * ? *)', 'day-of-month field "32" is not a value, range, list or increment within 1-31'],
    ['cron(0 6 ? 13 MON *)', 'month field "13" is not a value, range, list or increment within 1-12 or JAN-DEC'],
    ['cron(0 6 ? * 8 *)', 'day-of-week field "8" is not a value, range, list or increment within 1-7 or SUN-SAT'],
    ['cron(0 6 * * ? 1969)', 'year field "1969" is not a value, range, list or increment within 1970-2199'],
    ['cron(? 6 * * ? *)', 'minutes field "?" cannot be "?" (only day-of-month and day-of-week can)'],
    ['cron(0 6 ? * ? *)', 'exactly one of day-of-month ("?") and day-of-week ("?") must be "?"'],
  ])('rejects %s', (expression, problem) => {
    expect(scheduleExpressionError(expression)).toBe(`invalid cron expression "${expression}": ${problem}`);
  });

  test('rate rules: singular for 1, plural above, positive whole values only', () => {
    expect(scheduleExpressionError('rate(5 minute)')).toBe('invalid rate expression "rate(5 minute)": a value above 1 takes the plural unit: rate(5 minutes)');
    for (const bad of ['rate(0 minutes)', 'rate(1.5 hours)', 'rate(2 weeks)', 'rate(5minutes)']) {
      expect(scheduleExpressionError(bad)).toBe(`invalid rate expression "${bad}": expected rate(value unit) with a positive whole value and a unit of minute(s), hour(s) or day(s), for example rate(15 minutes)`);
    }
  });

  test('at() needs a real date and time', () => {
    expect(scheduleExpressionError('at(2030-02-30T06:00:00)')).toBe('invalid at expression "at(2030-02-30T06:00:00)": expected at(yyyy-mm-ddThh:mm:ss), for example at(2030-01-31T06:00:00)');
    expect(scheduleExpressionError('every day')).toBe('invalid schedule "every day": expected cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)');
  });
});

describe('time zones, S3 locations, durations', () => {
  test('IANA names are accepted, others rejected', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC']) expect(timeZoneError(zone)).toBeUndefined();
    for (const zone of ['Berlin', 'Mars/Olympus_Mons', 'CEST']) expect(timeZoneError(zone)).toBeDefined();
  });

  test('S3 locations', () => {
    expect(parseS3Location('s3://example-data-lake/pizza/order_details/')).toEqual({
      bucket: 'example-data-lake', prefix: 'pizza/order_details/', uri: 's3://example-data-lake/pizza/order_details/' });
    expect(parseS3Location('s3://bucket.with.dots/')).toEqual({ bucket: 'bucket.with.dots', prefix: '', uri: 's3://bucket.with.dots/' });
    for (const bad of ['s3:/bucket/a/', 's3://ab/x/', 's3://192.168.1.1/x/', 's3://a..b/x/', 's3://bucket', 's3://bucket/a//b/', 's3://bucket/a*/']) {
      expect(parseS3Location(bad)).toEqual(expect.stringMatching(/^malformed S3 location/));
    }
  });

  test('durations', () => {
    expect([parseDurationSeconds('90s'), parseDurationSeconds('10m'), parseDurationSeconds('2h'), parseDurationSeconds('1d')])
      .toEqual([90, 600, 7200, 86400]);
    expect(parseDurationSeconds('10 m')).toBeUndefined();
    expect(parseDurationSeconds('0s')).toBeUndefined();
  });
});

describe('valid variants of the file', () => {
  test('sql_file is read relative to the queries file; context overrides replace defaults', () => {
    const sub = tempDir();
    require('fs').mkdirSync(path.join(sub, 'sql'));
    require('fs').writeFileSync(path.join(sub, 'sql', 'count.sql'), 'SELECT count(*) FROM order_details\n');
    const file = writeQueriesFile(sub, fileWith('').replace('    sql: SELECT count(*) FROM order_details\n', '    sql_file: sql/count.sql\n'));
    const { QueriesFile } = require('../lib/queries-file');
    const loaded = QueriesFile.fromFile(file, { output: 's3://account-results/ar/', workgroup: 'reports' });
    expect(loaded.queries[0].sql).toBe('SELECT count(*) FROM order_details\n');
    expect(loaded.queries[0].output.uri).toBe('s3://account-results/ar/');
    expect(loaded.queries[0].workgroup).toBe('reports');
  });

  test('a missing sql_file is named with its resolved path', () => {
    const { file, message } = synthError(fileWith('').replace('    sql: SELECT count(*) FROM order_details\n', '    sql_file: missing.sql\n'));
    expect(message).toBe(`Invalid queries file ${file}:
  - queries.daily_revenue.sql_file: file not found: ${path.join(path.dirname(file), 'missing.sql')} (paths are relative to the queries file)`);
  });
});
