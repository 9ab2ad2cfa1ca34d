import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { Delivery, QueriesFile, QueriesFileError, ResolvedQuery, TableRef } from './queries-file';
import { parseS3Location, S3Location, snsTopicArnError, STACK_TOPIC } from './validation';

/** Log levels the C++ function understands (ATHENA_RUNNER_LOG_LEVEL). */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * How a run ends (ATHENA_RUNNER_COMPLETION_MODE): `events`, the invocation starts the query and returns, and
 * Athena's state-change event finishes it; `wait`, the invocation polls until the query ends.
 */
export type CompletionMode = 'events' | 'wait';

/**
 * Secure and operational defaults, kept in one place. Every prop that falls back to one of these
 * says so in its @default.
 */
export const SCHEDULER_DEFAULTS = {
  memorySize: 256,
  timeout: Duration.minutes(15),
  architecture: lambda.Architecture.X86_64,
  logRetention: logs.RetentionDays.ONE_MONTH,
  logLevel: 'info' as LogLevel,
  /** Lambda asynchronous invocation: retries after a function error (0-2). */
  asyncRetryAttempts: 2,
  asyncMaxEventAge: Duration.hours(6),
  /** EventBridge Scheduler: retries when the Lambda service rejects the invoke (0-185). */
  scheduleRetryAttempts: 3,
  scheduleMaxEventAge: Duration.hours(1),
  /** Athena workgroup created by the stack: per-query scan limit (10 GiB). */
  bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
  resultsExpiration: Duration.days(30),
  queueRetention: Duration.days(14),
  /** The function needs this much time after a query's timeout to stop it and report. */
  timeoutMarginSeconds: 30,
  completionMode: 'events' as CompletionMode,
  /** Events mode: how often the sweep finishes runs whose state-change event was lost. */
  sweepSchedule: 'rate(5 minutes)',
} as const;

/** Properties of AthenaQueryScheduler. */
export interface AthenaQuerySchedulerProps {
  /** The validated queries file (QueriesFile.fromFile or QueriesFile.fromObject). */
  readonly queries: QueriesFile;

  /**
   * Path of the Lambda deployment package: a zip with an executable `bootstrap` at its root, as
   * built by scripts/package-lambda.sh into dist/athena-runner-lambda.zip.
   */
  readonly lambdaPackage: string;

  /**
   * Data location per table, keyed by "table" (in the file's default database) or "database.table",
   * as s3://bucket/prefix/. Added to, and taking precedence over, the file's tables section.
   * @default - only the locations in the queries file
   */
  readonly dataLocations?: Record<string, string>;

  /**
   * Create the Athena workgroup named by the file's defaults.workgroup, enforcing its output
   * location and encryption, with a bytes-scanned cutoff and CloudWatch metrics. When false the
   * workgroups named in the file must exist.
   * @default false
   */
  readonly createWorkgroup?: boolean;

  /**
   * Per-query data scan limit of a created workgroup, in bytes (at least 10 MB).
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;

  /**
   * Create the results bucket (public access blocked, TLS enforced, encrypted, results expiring).
   * Queries that use defaults.output then write to this bucket under the same prefix; queries with
   * their own output keep it. When false the output buckets must exist.
   * @default false
   */
  readonly createResultsBucket?: boolean;

  /**
   * How long a created results bucket keeps result files.
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;

  /**
   * KMS key for query results: a created workgroup and results bucket use SSE_KMS with it, the
   * function may use it, and the alarm topic is encrypted with it.
   * @default - SSE_S3 for results (or the file's encryption settings); KMS grants only for keys the file names
   */
  readonly kmsKey?: kms.IKey;

  /**
   * Memory of the function in MB.
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Timeout of the function; every query's timeout plus 30 seconds must fit in it.
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * Instruction set of the function; must match the binary in lambdaPackage.
   * @default lambda.Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * ATHENA_RUNNER_LOG_LEVEL of the function.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;

  /**
   * Retries of an asynchronous (scheduled) invocation whose function call failed, 0-2. Retries are
   * safe: the function derives Athena's ClientRequestToken from the query and scheduled time.
   * @default 2
   */
  readonly asyncRetryAttempts?: number;

  /**
   * Maximum age of an asynchronous invocation event before it goes to the failure queue.
   * @default Duration.hours(6)
   */
  readonly asyncMaxEventAge?: Duration;

  /**
   * EventBridge Scheduler retries when it cannot deliver to the function (throttling, service errors), 0-185.
   * @default 3
   */
  readonly scheduleRetryAttempts?: number;

  /**
   * How long EventBridge Scheduler keeps trying to deliver one event (1 minute to 24 hours).
   * @default Duration.hours(1)
   */
  readonly scheduleMaxEventAge?: Duration;

  /**
   * Topic the alarms notify. Takes precedence over notificationEmails.
   * @default - a topic is created when notificationEmails is set, else alarms notify nobody
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Email addresses subscribed to a created alarm topic.
   * @default - no topic
   */
  readonly notificationEmails?: string[];

  /**
   * ARN of an existing standard SNS topic that a query's `notify: {on_success|on_failure: stack}` publishes to;
   * the function may publish to it (sns:Publish on exactly this ARN). Only allowed when a query's notify names
   * `stack`.
   * @default - a topic is created (TLS enforced; encrypted with kmsKey, else the AWS managed SNS key) when a query's notify names `stack`
   */
  readonly notifyTopicArn?: string;

  /**
   * How a run ends. `events`: the scheduled invocation starts the query and returns; an EventBridge rule on
   * Athena Query State Change events of the stack's workgroups invokes the function to finish the run, and a
   * sweep schedule catches lost events. Queries may then run longer than the function's timeout.
   * `wait`: the invocation polls until the query ends, then runs the query's `after:` dependents round by
   * round (the query's timeout, and with dependents each round's longest timeout added up, must fit in the
   * function's timeout). In either mode a dependent has no schedule of its own: its upstream's payload carries it.
   * @default 'events'
   */
  readonly completionMode?: CompletionMode;

  /**
   * Removal policy of the created results bucket and log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Deploys athena-runner's C++ Lambda function with one EventBridge Scheduler schedule per scheduled
 * query, an IAM role scoped to what the queries file names, failure queues, and alarms.
 */
export class AthenaQueryScheduler extends Construct {
  /** The Lambda function running the queries. */
  public readonly function: lambda.Function;
  /** The function's execution role (inline policies only). */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The role EventBridge Scheduler assumes to invoke the function. */
  public readonly schedulerRole: iam.Role;
  /** The schedules, by query name. */
  public readonly schedules: Record<string, scheduler.CfnSchedule> = {};
  /** Events EventBridge Scheduler could not deliver. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Asynchronous invocations that failed after their retries (on-failure destination). */
  public readonly failureQueue: sqs.Queue;
  /** Alarms: function errors, and messages in each queue. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The topic the alarms notify, if any. */
  public readonly alarmTopic?: sns.ITopic;
  /** The topic `stack` names in a query's notify (created, or notifyTopicArn); undefined when no query names it. */
  public readonly notifyTopic?: sns.ITopic;
  /** The created workgroup, when createWorkgroup is set. */
  public readonly workgroup?: athena.CfnWorkGroup;
  /** The created results bucket, when createResultsBucket is set. */
  public readonly resultsBucket?: s3.Bucket;
  /** Events mode: the rule on Athena Query State Change events of the stack's workgroups. */
  public readonly queryStateRule?: events.Rule;
  /** Events mode: the schedule of the sweep that finishes runs whose event was lost. */
  public readonly sweepSchedule?: scheduler.CfnSchedule;

  private iamAcknowledgements: NagPackSuppression[] = [];

  constructor(scope: Construct, id: string, props: AthenaQuerySchedulerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const file = props.queries;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const timeout = props.timeout ?? SCHEDULER_DEFAULTS.timeout;

    const packagePath = path.resolve(props.lambdaPackage);
    if (!fs.existsSync(packagePath)) {
      throw new Error(
        `Lambda package not found: ${packagePath}. Build it with scripts/package-lambda.sh (from the repository root), ` +
          'or pass the path of an existing zip with -c package=path/to/athena-runner-lambda.zip',
      );
    }

    const tableLocations = this.mergeDataLocations(file, props.dataLocations);
    const completionMode = props.completionMode ?? SCHEDULER_DEFAULTS.completionMode;
    this.validateAgainstStack(file, tableLocations, timeout, completionMode, props);

    // Results: a created bucket replaces the bucket of defaults.output, keeping its prefix.
    const defaultOutput = file.defaults.output!;
    let outputFor = (q: ResolvedQuery): S3Location => q.output;
    if (props.createResultsBucket) {
      this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        encryption: props.kmsKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
        encryptionKey: props.kmsKey,
        bucketKeyEnabled: props.kmsKey ? true : undefined,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [
          {
            id: 'expire-query-results',
            prefix: defaultOutput.prefix || undefined,
            expiration: props.resultsExpiration ?? SCHEDULER_DEFAULTS.resultsExpiration,
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
        removalPolicy,
      });
      NagSuppressions.addResourceSuppressions(this.resultsBucket, [
        {
          id: 'AwsSolutions-S1',
          reason: 'Holds only Athena query results that expire; reads and writes are by the function role alone and are recorded by CloudTrail. A server access log bucket would itself need one.',
        },
      ]);
      const bucketLocation: S3Location = {
        bucket: this.resultsBucket.bucketName,
        prefix: defaultOutput.prefix,
        uri: `s3://${this.resultsBucket.bucketName}/${defaultOutput.prefix}`,
      };
      outputFor = (q) => (q.outputFromDefaults ? bucketLocation : q.output);
    }
    const defaultResults = props.createResultsBucket ? outputFor({ outputFromDefaults: true } as ResolvedQuery) : defaultOutput;

    // Results encryption of a created workgroup: the KMS key prop, else the file's, else SSE_S3.
    const fileEncryption = file.defaults.encryption;
    const workgroupEncryption = props.kmsKey
      ? { encryptionOption: 'SSE_KMS', kmsKey: props.kmsKey.keyArn }
      : fileEncryption
        ? { encryptionOption: fileEncryption.type, kmsKey: fileEncryption.kmsKey }
        : { encryptionOption: 'SSE_S3' };
    if (props.createWorkgroup) {
      this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
        name: file.defaults.workgroup,
        description: `athena-runner queries from ${path.basename(file.source)}`,
        state: 'ENABLED',
        recursiveDeleteOption: false,
        workGroupConfiguration: {
          enforceWorkGroupConfiguration: true,
          publishCloudWatchMetricsEnabled: true,
          requesterPaysEnabled: false,
          bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? SCHEDULER_DEFAULTS.bytesScannedCutoffPerQuery,
          engineVersion: { selectedEngineVersion: 'AUTO' },
          resultConfiguration: {
            outputLocation: defaultResults.uri,
            encryptionConfiguration: workgroupEncryption,
            expectedBucketOwner: file.defaults.expectedBucketOwner,
          },
        },
      });
    }

    // Notification: the stack's topic when a query's notify names `stack`, and the topic ARNs the file names.
    const targets = file.queries.flatMap((q) => [q.notify.onSuccess, q.notify.onFailure]).filter((t): t is string => t !== undefined);
    if (targets.includes(STACK_TOPIC)) {
      if (props.notifyTopicArn !== undefined) {
        this.notifyTopic = sns.Topic.fromTopicArn(this, 'NotifyTopic', props.notifyTopicArn);
      } else {
        // The AWS managed key serves publishers in the account (the function); CloudWatch is not one here.
        this.notifyTopic = new sns.Topic(this, 'NotifyTopic', {
          displayName: 'athena-runner runs',
          enforceSSL: true,
          masterKey: props.kmsKey ?? kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
        });
      }
    }
    const notifyTopicArns = unique([
      ...(this.notifyTopic ? [this.notifyTopic.topicArn] : []),
      ...targets.filter((t) => t !== STACK_TOPIC),
    ]);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? SCHEDULER_DEFAULTS.logRetention,
      removalPolicy,
    });

    this.role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'athena-runner function: Athena, Glue and S3 access limited to what the queries file names',
      inlinePolicies: {
        AthenaRunnerAccess: this.functionPolicy(file, tableLocations, outputFor, props.kmsKey, completionMode,
          notifyTopicArns),
      },
    });
    NagSuppressions.addResourceSuppressions(this.role, this.iamAcknowledgements);

    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(packagePath),
      architecture: props.architecture ?? SCHEDULER_DEFAULTS.architecture,
      memorySize: props.memorySize ?? SCHEDULER_DEFAULTS.memorySize,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      description: 'athena-runner: runs Amazon Athena queries on a schedule or on demand',
      environment: this.environment(file, defaultResults, props.logLevel ?? SCHEDULER_DEFAULTS.logLevel, completionMode,
        this.notifyTopic),
    });

    const queue = (id: string): sqs.Queue =>
      new sqs.Queue(this, id, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: SCHEDULER_DEFAULTS.queueRetention,
      });
    this.failureQueue = queue('FailureQueue');
    this.scheduleDeadLetterQueue = queue('ScheduleDeadLetterQueue');
    for (const q of [this.failureQueue, this.scheduleDeadLetterQueue]) {
      NagSuppressions.addResourceSuppressions(q, [
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This queue is itself the terminal place for failed events (a dead-letter queue / on-failure destination); an alarm fires on any message in it.',
        },
      ]);
    }

    this.function.configureAsyncInvoke({
      retryAttempts: props.asyncRetryAttempts ?? SCHEDULER_DEFAULTS.asyncRetryAttempts,
      maxEventAge: props.asyncMaxEventAge ?? SCHEDULER_DEFAULTS.asyncMaxEventAge,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy protection: only schedules in this account may assume the role.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke the athena-runner function only',
      inlinePolicies: {
        InvokeAthenaRunner: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
            new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.scheduleDeadLetterQueue.queueArn] }),
          ],
        }),
      },
    });

    const retryAttempts = props.scheduleRetryAttempts ?? SCHEDULER_DEFAULTS.scheduleRetryAttempts;
    const maxEventAge = (props.scheduleMaxEventAge ?? SCHEDULER_DEFAULTS.scheduleMaxEventAge).toSeconds();
    for (const query of file.queries) {
      if (query.schedule === undefined) continue;
      const dependents = file.dependentsOf(query.name).map((d) => QueriesFile.querySpec(d, outputFor(d).uri));
      const payload = {
        query: QueriesFile.querySpec(query, outputFor(query).uri),
        scheduled_time: '<aws.scheduler.scheduled-time>',
        schedule_arn: '<aws.scheduler.schedule-arn>',
        ...(dependents.length > 0 ? { dependents } : {}),
      };
      this.schedules[query.name] = new scheduler.CfnSchedule(this, `Schedule_${query.name}`, {
        description: `athena-runner query ${query.name}${query.description ? `: ${query.description}` : ''}`.slice(0, 512),
        scheduleExpression: query.schedule,
        scheduleExpressionTimezone: query.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: query.enabled ? 'ENABLED' : 'DISABLED',
        target: {
          arn: this.function.functionArn,
          roleArn: this.schedulerRole.roleArn,
          input: stack.toJsonString(payload),
          retryPolicy: { maximumRetryAttempts: retryAttempts, maximumEventAgeInSeconds: maxEventAge },
          deadLetterConfig: { arn: this.scheduleDeadLetterQueue.queueArn },
        },
      });
    }

    if (completionMode === 'events') {
      // Athena's own events finish each run: only final states of the stack's workgroups reach the function.
      const workgroups = unique(file.queries.map((q) => q.workgroup).concat(file.defaults.workgroup));
      this.queryStateRule = new events.Rule(this, 'QueryStateChangeRule', {
        description: 'athena-runner: finish a run when its Athena query reaches a final state',
        eventPattern: {
          source: ['aws.athena'],
          detailType: ['Athena Query State Change'],
          detail: { workgroupName: workgroups, currentState: ['SUCCEEDED', 'FAILED', 'CANCELLED'] },
        },
      });
      // The target adds the function's resource policy for events.amazonaws.com with this rule's ARN as source.
      this.queryStateRule.addTarget(new eventsTargets.LambdaFunction(this.function, {
        retryAttempts: retryAttempts,
        maxEventAge: Duration.seconds(maxEventAge),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }));
      const sweepLocations = uniqueBy(file.queries.map(outputFor), (l) => `${l.bucket}/${l.prefix}`).map((l) => l.uri);
      this.sweepSchedule = new scheduler.CfnSchedule(this, 'SweepSchedule', {
        description: 'athena-runner: finish runs whose Athena state-change event was lost, stop runs past their deadline',
        scheduleExpression: SCHEDULER_DEFAULTS.sweepSchedule,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: this.function.functionArn,
          roleArn: this.schedulerRole.roleArn,
          input: stack.toJsonString({ sweep: { locations: sweepLocations } }),
          retryPolicy: { maximumRetryAttempts: retryAttempts, maximumEventAgeInSeconds: maxEventAge },
          deadLetterConfig: { arn: this.scheduleDeadLetterQueue.queueArn },
        },
      });
    }

    this.alarmTopic = props.alarmTopic ?? this.createTopic(props);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string): void => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (this.alarmTopic) created.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      this.alarms.push(created);
    };
    const period = Duration.minutes(5);
    alarm('FunctionErrorsAlarm', this.function.metricErrors({ period, statistic: 'Sum' }),
      'athena-runner: a query run failed (function error); see the function log group');
    alarm('FailureQueueAlarm', this.failureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'athena-runner: a scheduled run failed after all retries; its event is in the failure queue');
    alarm('ScheduleDeadLetterAlarm', this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'athena-runner: EventBridge Scheduler could not invoke the function; the event is in the dead-letter queue');
  }

  private createTopic(props: AthenaQuerySchedulerProps): sns.Topic | undefined {
    if (!props.notificationEmails || props.notificationEmails.length === 0) return undefined;
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'athena-runner alarms',
      enforceSSL: true,
      masterKey: props.kmsKey,
    });
    if (props.kmsKey) {
      // CloudWatch must be able to publish to the encrypted topic (no-op for an imported key).
      props.kmsKey.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }));
    } else {
      NagSuppressions.addResourceSuppressions(topic, [
        {
          id: 'AwsSolutions-SNS2',
          reason: 'Alarm notifications carry no data, and CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key; pass kmsKey to encrypt with a customer managed key.',
        },
      ]);
    }
    for (const email of props.notificationEmails) topic.addSubscription(new snsSubscriptions.EmailSubscription(email));
    return topic;
  }

  private environment(file: QueriesFile, results: S3Location, logLevel: LogLevel,
    completionMode: CompletionMode, notifyTopic: sns.ITopic | undefined): Record<string, string> {
    const env: Record<string, string> = {
      ATHENA_RUNNER_COMPLETION_MODE: completionMode,
      ATHENA_RUNNER_WORKGROUP: file.defaults.workgroup,
      ATHENA_RUNNER_CATALOG: file.defaults.catalog,
      ATHENA_RUNNER_OUTPUT: results.uri,
      ATHENA_RUNNER_TIMEOUT: file.defaults.timeout,
      ATHENA_RUNNER_LOG_LEVEL: logLevel,
    };
    if (file.defaults.database !== undefined) env.ATHENA_RUNNER_DATABASE = file.defaults.database;
    if (notifyTopic) env.ATHENA_RUNNER_NOTIFY_TOPIC = notifyTopic.topicArn;
    return env;
  }

  private mergeDataLocations(file: QueriesFile, extra: Record<string, string> | undefined): Map<string, S3Location> {
    const merged = new Map(file.tableLocations);
    const problems: string[] = [];
    for (const [name, uri] of Object.entries(extra ?? {})) {
      const at = `dataLocations.${name}`;
      const parts = name.split('.');
      const database = parts.length === 2 ? parts[0] : file.defaults.database;
      if (parts.length > 2 || database === undefined) {
        problems.push(`${at}: write the table as "table" (with defaults.database set) or "database.table"`);
        continue;
      }
      const location = parseS3Location(uri);
      if (typeof location === 'string') problems.push(`${at}: ${location}`);
      else merged.set(`${database}.${parts[parts.length - 1]}`, location);
    }
    if (problems.length > 0) throw new QueriesFileError('(AthenaQueryScheduler props)', problems);
    return merged;
  }

  private validateAgainstStack(file: QueriesFile, locations: Map<string, S3Location>, timeout: Duration,
    completionMode: CompletionMode, props: AthenaQuerySchedulerProps): void {
    const problems: string[] = [];
    const limit = timeout.toSeconds();
    for (const q of file.queries) {
      const at = `queries.${q.name}`;
      if (q.catalog !== 'AwsDataCatalog') {
        problems.push(`${at}.catalog: "${q.catalog}" is not supported by the CDK app, which grants access to the Glue Data Catalog only: use AwsDataCatalog`);
      }
      if (completionMode === 'wait' && q.schedule !== undefined) {
        const chain = waitModeChainProblem(file, q, limit);
        if (chain) problems.push(`${at}: ${chain}`);
      }
      // parquet and json deliveries run an UNLOAD that the finishing invocation waits for (up to the query's timeout);
      // in wait mode the same invocation has waited for the query first.
      const unloads = q.deliver.findIndex((d) => d.format === 'parquet' || d.format === 'json');
      const waits = completionMode === 'wait' ? 2 : 1;
      if (unloads >= 0 && waits * q.timeoutSeconds + SCHEDULER_DEFAULTS.timeoutMarginSeconds > limit) {
        problems.push(`${at}.deliver[${unloads}].format: ${q.deliver[unloads].format} is written by an UNLOAD the function waits for, up to the query timeout: ${waits === 2 ? `the query and its UNLOAD, 2 x ${q.timeout}` : q.timeout} plus ${SCHEDULER_DEFAULTS.timeoutMarginSeconds}s does not fit in the function timeout of ${limit}s: shorten the query timeout or deliver csv`);
      }
      // In events mode no invocation waits for a query, so its timeout need not fit in the function's.
      if (completionMode === 'wait' && q.timeoutSeconds + SCHEDULER_DEFAULTS.timeoutMarginSeconds > limit) {
        problems.push(`${at}.timeout: ${q.timeout} plus ${SCHEDULER_DEFAULTS.timeoutMarginSeconds}s to stop the query does not fit in the function timeout of ${limit}s: shorten the query timeout (the function runs at most 15 minutes)`);
      }
      (q.tables ?? []).forEach((t, i) => {
        const key = `${t.database}.${t.table}`;
        if (!locations.has(key)) {
          problems.push(`${at}.tables[${i}]: table "${key}" has no data location: add "${key}:" with "location: s3://bucket/prefix/" under the top-level tables section`);
        }
      });
    }
    if (props.notifyTopicArn !== undefined) {
      const problem = snsTopicArnError(props.notifyTopicArn);
      if (problem) problems.push(`notifyTopicArn: ${problem}`);
      else if (!file.queries.some((q) => q.notify.onSuccess === STACK_TOPIC || q.notify.onFailure === STACK_TOPIC)) {
        problems.push('notifyTopicArn: no query\'s notify names stack, so nothing would publish to it: add notify: {on_failure: stack} (to defaults or a query) or leave notifyTopicArn out');
      }
    }
    if (props.createWorkgroup && file.defaults.workgroup === 'primary') {
      problems.push('defaults.workgroup: createWorkgroup cannot create "primary", which exists in every account: name a new workgroup (e.g. -c workgroup=athena-runner)');
    }
    if (problems.length > 0) throw new QueriesFileError(file.source, problems);
  }

  /** The function's inline policy: every statement scoped to what the queries file names. */
  private functionPolicy(file: QueriesFile, locations: Map<string, S3Location>,
    outputFor: (q: ResolvedQuery) => S3Location, kmsKey: kms.IKey | undefined,
    completionMode: CompletionMode, notifyTopicArns: readonly string[]): iam.PolicyDocument {
    const partition = Aws.PARTITION;
    const region = Aws.REGION;
    const account = Aws.ACCOUNT_ID;
    const statements: iam.PolicyStatement[] = [];

    const workgroups = unique(file.queries.map((q) => q.workgroup).concat(file.defaults.workgroup));
    statements.push(new iam.PolicyStatement({
      sid: 'AthenaQueriesInNamedWorkgroups',
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
        'athena:StopQueryExecution', 'athena:BatchGetQueryExecution', 'athena:GetWorkGroup'],
      resources: workgroups.map((w) => `arn:${partition}:athena:${region}:${account}:workgroup/${w}`),
    }));

    // Glue stores database and table names in lower case; IAM matches ARNs case-sensitively.
    const glue = (suffix: string) => `arn:${partition}:glue:${region}:${account}:${suffix}`;
    const databases = unique(file.queries.map((q) => q.database.toLowerCase()));
    const tables: TableRef[] = [];
    const wholeDatabases: string[] = [];
    for (const q of file.queries) {
      if (q.tables === undefined) {
        wholeDatabases.push(q.database.toLowerCase());
        Annotations.of(this).addWarningV2('athena-runner:database-wide-glue-grant',
          `queries.${q.name} names no tables: the function may read every table of database "${q.database}" in Glue, and S3 data of the tables listed for it. Add tables: [...] to the query for least privilege.`);
      } else {
        tables.push(...q.tables);
      }
    }
    const tableArns = unique([
      ...tables.map((t) => glue(`table/${t.database.toLowerCase()}/${t.table.toLowerCase()}`)),
      ...unique(wholeDatabases).map((d) => glue(`table/${d}/*`)),
    ]);
    statements.push(new iam.PolicyStatement({
      sid: 'GlueReadNamedTables',
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [glue('catalog'), ...unique(databases.concat(tables.map((t) => t.database.toLowerCase()))).map((d) => glue(`database/${d}`)), ...tableArns],
    }));

    // S3 data: the named tables' locations, plus every listed location of a database-wide query.
    const dataLocations: S3Location[] = [];
    const seen = new Set<string>();
    const addLocation = (key: string): void => {
      const location = locations.get(key);
      if (location && !seen.has(key)) {
        seen.add(key);
        dataLocations.push(location);
      }
    };
    tables.forEach((t) => addLocation(`${t.database}.${t.table}`));
    for (const d of unique(wholeDatabases)) {
      for (const key of locations.keys()) if (key.toLowerCase().startsWith(`${d}.`)) addLocation(key);
    }
    statements.push(...s3Statements('DataRead', dataLocations, ['s3:GetObject'], partition));

    const resultLocations = uniqueBy(file.queries.map(outputFor), (l) => `${l.bucket}/${l.prefix}`);
    // Events mode also removes the open-run markers and queued slots it writes under each results prefix
    // (athena-runner/open/, athena-runner/queued/); wait mode does so for the runs of skip and queue queries.
    const keepsRecords = completionMode === 'events' || file.queries.some((q) => q.onOverlap !== 'allow');
    statements.push(...s3Statements('ResultsWrite', resultLocations,
      ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts',
        ...(keepsRecords ? ['s3:DeleteObject'] : [])], partition));

    // Deliveries: write on exactly each destination's prefix (its key up to the first "{{"), nothing wider. CopyObject
    // reads its source from the results prefix above. keep also reads the destination (HeadObject) and lists its
    // prefix, so that a missing object answers 404, not 403.
    const deliveryLocation = (d: Delivery): S3Location => ({ bucket: d.bucket, prefix: d.grantPrefix, uri: `s3://${d.bucket}/${d.grantPrefix}` });
    const deliveries = file.queries.flatMap((q) => q.deliver);
    const replaceLocations = uniqueBy(deliveries.filter((d) => d.overwrite === 'replace').map(deliveryLocation), (l) => `${l.bucket}/${l.prefix}`);
    const keepLocations = uniqueBy(deliveries.filter((d) => d.overwrite === 'keep').map(deliveryLocation), (l) => `${l.bucket}/${l.prefix}`);
    if (replaceLocations.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'DeliverObjects',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: replaceLocations.map((l) => `arn:${partition}:s3:::${l.bucket}/${l.prefix}*`),
      }));
    }
    statements.push(...s3Statements('DeliverKeep', keepLocations, ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], partition));

    const keys = unique([
      ...(kmsKey ? [kmsKey.keyArn] : []),
      ...file.queries.map((q) => q.encryption?.kmsKey).filter((k): k is string => k !== undefined),
      ...(file.defaults.encryption?.kmsKey ? [file.defaults.encryption.kmsKey] : []),
    ]);
    if (keys.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'KmsForResults',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: keys,
      }));
    }

    if (notifyTopicArns.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'PublishNotifications',
        actions: ['sns:Publish'],
        resources: [...notifyTopicArns],
      }));
    }

    statements.push(new iam.PolicyStatement({
      sid: 'OwnLogGroupOnly',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));

    this.iamAcknowledgements = [
      ...[...dataLocations, ...resultLocations].map((l) => ({
        id: 'AwsSolutions-IAM5',
        reason: 'S3 object actions need a key pattern: this grant is limited to one data or results prefix the queries file names (prefix/*).',
        appliesTo: [Token.isUnresolved(l.bucket)
          ? { regex: `/^Resource::arn:<AWS::Partition>:s3:::<[A-Za-z0-9]+>\\/${escapeRegex(l.prefix)}\\*$/g` }
          : `Resource::arn:<AWS::Partition>:s3:::${l.bucket}/${l.prefix}*`],
      })),
      ...uniqueBy([...replaceLocations, ...keepLocations], (l) => `${l.bucket}/${l.prefix}`).map((l) => ({
        id: 'AwsSolutions-IAM5',
        reason: 'Delivered objects are named by the scheduled time: this grant is limited to one deliver destination of the queries file, its key up to the first template (prefix*).',
        appliesTo: [`Resource::arn:<AWS::Partition>:s3:::${l.bucket}/${l.prefix}*`],
      })),
      ...unique(wholeDatabases).map((d) => ({
        id: 'AwsSolutions-IAM5',
        reason: `A query names no tables, so it may read any table of database ${d} (a synth warning says which query); add tables: to the query to remove this grant.`,
        appliesTo: [`Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${d}/*`],
      })),
    ];

    return new iam.PolicyDocument({ statements });
  }
}

/** S3 grants on prefixes: object actions on prefix*, ListBucket limited by s3:prefix, GetBucketLocation. */
function s3Statements(sid: string, locations: readonly S3Location[], objectActions: string[], partition: string): iam.PolicyStatement[] {
  if (locations.length === 0) return [];
  const bucketArn = (bucket: string) => `arn:${partition}:s3:::${bucket}`;
  const byBucket = new Map<string, string[]>();
  for (const l of locations) byBucket.set(l.bucket, [...(byBucket.get(l.bucket) ?? []), l.prefix]);
  const statements = [
    new iam.PolicyStatement({
      sid: `${sid}Objects`,
      actions: objectActions,
      resources: locations.map((l) => `${bucketArn(l.bucket)}/${l.prefix}*`),
    }),
    new iam.PolicyStatement({
      sid: `${sid}BucketLocation`,
      actions: ['s3:GetBucketLocation'],
      resources: [...byBucket.keys()].map(bucketArn),
    }),
  ];
  let index = 0;
  for (const [bucket, prefixes] of byBucket) {
    const statement = new iam.PolicyStatement({
      sid: `${sid}List${index++}`,
      actions: ['s3:ListBucket'],
      resources: [bucketArn(bucket)],
    });
    if (!prefixes.includes('')) {
      statement.addCondition('StringLike', { 's3:prefix': prefixes.flatMap((p) => [p, `${p}*`]) });
    }
    statements.push(statement);
  }
  return statements;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function uniqueBy<T>(values: readonly T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}


function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Whether a query's deliveries include an UNLOAD (parquet, json) the finishing invocation waits for. */
function unloads(q: ResolvedQuery): boolean {
  return q.deliver.some((d) => d.format === 'parquet' || d.format === 'json');
}

/**
 * Wait mode runs a scheduled query's dependents inside its invocation, round by round (src/lambda/README.md,
 * "Dependents in wait mode"): a round starts when the one before has ended, and lasts as long as its longest query
 * (its timeout, twice with an UNLOAD). Why the chain does not fit in the function's timeout, or undefined when it does
 * (or there is no chain: the query's own timeout is checked on its own).
 */
function waitModeChainProblem(file: QueriesFile, root: ResolvedQuery, limit: number): string | undefined {
  const reachable = file.dependentsOf(root.name);
  if (reachable.length === 0) return undefined;
  // The round of each query that can run in this invocation: one after the latest of its upstream queries; a query
  // that also runs after a query outside the chain never starts here.
  const round = new Map<string, number>([[root.name, 0]]);
  for (let grew = true; grew;) {
    grew = false;
    for (const q of reachable) {
      if (round.has(q.name) || !q.after.every((u) => round.has(u))) continue;
      round.set(q.name, 1 + Math.max(...q.after.map((u) => round.get(u)!)));
      grew = true;
    }
  }
  const cost = (q: ResolvedQuery): number => (unloads(q) ? 2 : 1) * q.timeoutSeconds;
  const rounds: ResolvedQuery[][] = [];
  for (const q of [root, ...reachable]) {
    const r = round.get(q.name);
    if (r !== undefined) (rounds[r] ??= []).push(q);
  }
  const total = rounds.reduce((sum, queries) => sum + Math.max(...queries.map(cost)), 0);
  if (total + SCHEDULER_DEFAULTS.timeoutMarginSeconds <= limit) return undefined;
  const text = (q: ResolvedQuery): string => `${q.name} ${q.timeout}${unloads(q) ? ' and its UNLOAD' : ''}`;
  const steps = rounds.map((queries) => (queries.length === 1 ? text(queries[0]) : `the longest of ${queries.map(text).join(', ')}`));
  return `in completionMode "wait" one invocation runs ${root.name} and then its dependents round by round (${steps.join(', then ')}): ${total}s plus ${SCHEDULER_DEFAULTS.timeoutMarginSeconds}s does not fit in the function timeout of ${limit}s: shorten their timeouts, or use completionMode "events", where no invocation waits for a query`;
}
