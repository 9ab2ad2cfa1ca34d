import * as path from 'path';
import { App, Aspects, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { AthenaQueryScheduler, AthenaQuerySchedulerProps, CompletionMode, LogLevel } from './athena-query-scheduler';
import { QueriesFile } from './queries-file';

/** The repository root (infra/ is one level below it). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where scripts/package-lambda.sh writes the Lambda package. */
export const DEFAULT_LAMBDA_PACKAGE = path.join(REPO_ROOT, 'dist', 'athena-runner-lambda.zip');

/** Properties of AthenaRunnerStack. */
export interface AthenaRunnerStackProps extends StackProps {
  /** Everything the scheduler construct takes. */
  readonly scheduler: AthenaQuerySchedulerProps;
  /**
   * ARN of an existing KMS key for results and the alarm topic (imported into the stack).
   * @default - no KMS key
   */
  readonly kmsKeyArn?: string;
}

/** The stack the CDK app deploys: one AthenaQueryScheduler. */
export class AthenaRunnerStack extends Stack {
  /** The scheduler construct. */
  public readonly scheduler: AthenaQueryScheduler;

  constructor(scope: Construct, id: string, props: AthenaRunnerStackProps) {
    super(scope, id, props);
    const kmsKey = props.kmsKeyArn ? kms.Key.fromKeyArn(this, 'ResultsKey', props.kmsKeyArn) : props.scheduler.kmsKey;
    this.scheduler = new AthenaQueryScheduler(this, 'AthenaRunner', { ...props.scheduler, kmsKey });
  }
}

/** Raised for a missing or malformed context value; the message says which -c to pass. */
export class ContextError extends Error {}

const CONTEXT_HELP =
  'cdk synth -c config=../examples/queries.yaml [-c package=path/to/athena-runner-lambda.zip] [-c stackName=AthenaRunner] ' +
  '[-c workgroup=NAME] [-c output=s3://bucket/prefix/] [-c dataLocations=\'{"order_details":"s3://bucket/prefix/"}\'] ' +
  '[-c createWorkgroup=true] [-c createResultsBucket=true] [-c notificationEmails=a@example.com,b@example.com] ' +
  '[-c kmsKeyArn=arn:...] [-c logLevel=info] [-c completionMode=events|wait] [-c notifyTopicArn=arn:aws:sns:...]';

function flag(app: App, name: string): boolean {
  const value = app.node.tryGetContext(name);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new ContextError(`-c ${name}=${value}: expected true or false`);
}

function text(app: App, name: string): string | undefined {
  const value = app.node.tryGetContext(name);
  return value === undefined || value === '' ? undefined : String(value);
}

function completionMode(app: App): CompletionMode | undefined {
  const value = text(app, 'completionMode');
  if (value === undefined || value === 'events' || value === 'wait') return value;
  throw new ContextError(`-c completionMode=${value}: expected events or wait`);
}

/**
 * Builds the app's stack from CDK context (`-c key=value`). Relative paths are resolved against
 * the directory cdk runs in (infra/). cdk-nag's AwsSolutions checks run on every synth.
 */
export function buildApp(app: App): AthenaRunnerStack {
  const config = text(app, 'config');
  if (config === undefined) {
    throw new ContextError(`No queries file given: pass -c config=path/to/queries.yaml, e.g.\n  ${CONTEXT_HELP}`);
  }
  const queries = QueriesFile.fromFile(config, {
    workgroup: text(app, 'workgroup'),
    output: text(app, 'output'),
    database: text(app, 'database'),
  });

  let dataLocations: Record<string, string> | undefined;
  const rawLocations = app.node.tryGetContext('dataLocations');
  if (typeof rawLocations === 'string' && rawLocations !== '') {
    try {
      dataLocations = JSON.parse(rawLocations);
    } catch {
      throw new ContextError(`-c dataLocations must be a JSON object such as '{"order_details":"s3://bucket/pizza/order_details/"}'`);
    }
  } else if (rawLocations !== undefined && typeof rawLocations === 'object') {
    dataLocations = rawLocations;
  }

  const stack = new AthenaRunnerStack(app, text(app, 'stackName') ?? 'AthenaRunner', {
    description: 'athena-runner: scheduled Amazon Athena queries run by a C++ Lambda function',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    kmsKeyArn: text(app, 'kmsKeyArn'),
    scheduler: {
      queries,
      lambdaPackage: path.resolve(text(app, 'package') ?? DEFAULT_LAMBDA_PACKAGE),
      dataLocations,
      createWorkgroup: flag(app, 'createWorkgroup'),
      createResultsBucket: flag(app, 'createResultsBucket'),
      notificationEmails: text(app, 'notificationEmails')?.split(',').map((e) => e.trim()).filter((e) => e !== ''),
      logLevel: text(app, 'logLevel') as LogLevel | undefined,
      completionMode: completionMode(app),
      notifyTopicArn: text(app, 'notifyTopicArn'),
    },
  });
  Tags.of(stack).add('app', 'athena-runner');
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return stack;
}
