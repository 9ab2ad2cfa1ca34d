import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import {
  notifyTargetError,
  DeliveryFormat,
  deliveryDestinationError,
  parseDurationSeconds,
  parseS3Location,
  S3Location,
  scheduleExpressionError,
  templateVariableError,
  timeZoneError,
} from './validation';

/** The JSON Schema of the queries file, loaded from the repository's schema/ folder (never copied). */
export const QUERIES_SCHEMA_PATH = path.resolve(__dirname, '..', '..', 'schema', 'queries.schema.json');

/** Values used when neither a query nor the file's defaults set them. */
export const BUILT_IN_DEFAULTS = {
  workgroup: 'primary',
  catalog: 'AwsDataCatalog',
  timeout: '10m',
  timezone: 'UTC',
  resultFormat: 'csv',
} as const;

/** Athena's limit on ResultReuseByAgeConfiguration.MaxAgeInMinutes (7 days). */
const MAX_RESULT_REUSE_MINUTES = 10080;

/** on_overlap (docs/queries-file.md, "Overlap"). */
export type OnOverlap = 'allow' | 'skip' | 'queue';

export type EncryptionType = 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';

/** How Athena encrypts result files. */
export interface ResultEncryption {
  readonly type: EncryptionType;
  /** ARN of the KMS key; set for SSE_KMS and CSE_KMS. */
  readonly kmsKey?: string;
}

/** Where a finished run is published (an SNS topic ARN, or "stack": the stack's topic). */
export interface NotifyTargets {
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

/** One destination of a query's results (docs/queries-file.md, "Delivery"). */
export interface Delivery {
  /** As written, templates included: s3://bucket/key or s3://bucket/prefix/. */
  readonly to: string;
  readonly format: DeliveryFormat;
  readonly overwrite: 'replace' | 'keep';
  /** True when `format` and `overwrite` were written (the payload then carries them). */
  readonly formatGiven: boolean;
  readonly overwriteGiven: boolean;
  readonly bucket: string;
  /** The key up to its first template ("{{"): what the function may write (bucket/grantPrefix*). */
  readonly grantPrefix: string;
}

/** A table reference resolved to its database. */
export interface TableRef {
  readonly database: string;
  readonly table: string;
}

/** One query with every default applied and its SQL read in. */
export interface ResolvedQuery {
  readonly name: string;
  readonly description?: string;
  readonly sql: string;
  readonly parameters: readonly string[];
  /** EventBridge Scheduler expression; undefined for an on-demand query. */
  readonly schedule?: string;
  /** Queries this one runs after (it then has no schedule); empty for most. */
  readonly after: readonly string[];
  /** A slot due while the previous slot still runs: start it (allow), skip it, or queue it behind. */
  readonly onOverlap: OnOverlap;
  readonly enabled: boolean;
  readonly timezone: string;
  /** Tables the query reads; undefined when the file names none (database-wide Glue grant). */
  readonly tables?: readonly TableRef[];
  readonly workgroup: string;
  readonly catalog: string;
  readonly database: string;
  readonly output: S3Location;
  /** True when output comes from defaults.output (so a stack-created results bucket replaces it). */
  readonly outputFromDefaults: boolean;
  /** The timeout as written (e.g. 10m) and in seconds. */
  readonly timeout: string;
  readonly timeoutSeconds: number;
  readonly resultReuse?: string;
  readonly encryption?: ResultEncryption;
  readonly expectedBucketOwner?: string;
  readonly resultFormat: string;
  /** The query's notify, else the defaults' (a query's replaces the defaults' whole); empty for none. */
  readonly notify: NotifyTargets;
  /** Where each succeeded run's results are delivered; empty for most. */
  readonly deliver: readonly Delivery[];
}

/** Account-specific values that replace the file's defaults (e.g. from CDK context). */
export interface DefaultsOverrides {
  readonly workgroup?: string;
  readonly output?: string;
  readonly database?: string;
}

/** Raised when a queries file cannot be used; the message lists every problem with its key path. */
export class QueriesFileError extends Error {
  constructor(readonly source: string, readonly problems: readonly string[]) {
    super(`Invalid queries file ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'QueriesFileError';
  }
}

type Raw = Record<string, any>;

let compiledSchema: ReturnType<Ajv2020['compile']> | undefined;
function schemaValidator(): ReturnType<Ajv2020['compile']> {
  if (!compiledSchema) {
    const schema = JSON.parse(fs.readFileSync(QUERIES_SCHEMA_PATH, 'utf8'));
    compiledSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
  }
  return compiledSchema;
}

/** `/queries/daily_revenue/parameters/0` -> `queries.daily_revenue.parameters[0]` */
function keyPath(instancePath: string): string {
  if (instancePath === '') return '(top level)';
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** The value at a JSON pointer such as /queries/q/deliver/0/format. */
function valueAt(document: unknown, instancePath: string): unknown {
  return instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((value, key) => (value === null || value === undefined ? undefined : value[key]), document);
}

function describeSchemaErrors(errors: readonly ErrorObject[], document: unknown): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    // if/then/else and oneOf wrappers repeat what their branches already said.
    if (e.keyword === 'if') continue;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') message = `unknown key "${e.params.additionalProperty}"`;
    if (e.keyword === 'oneOf' && /\/queries\/[^/]+$/.test(e.instancePath)) message = 'must have exactly one of "sql" and "sql_file"';
    if (e.keyword === 'propertyNames') continue; // followed by the failing pattern error with the name
    if (e.keyword === 'pattern' && e.propertyName !== undefined) message = `key "${e.propertyName}" must match pattern "${e.params.pattern}"`;
    if (e.keyword === 'required' && e.params.missingProperty === 'kms_key') message = 'kms_key is required for SSE_KMS and CSE_KMS';
    if (e.keyword === 'not' && /\/encryption$/.test(e.instancePath)) message = 'kms_key is not allowed with SSE_S3';
    // As the C++ loader says it (src/spec/json_schema.cpp).
    if (e.keyword === 'enum') message = `${JSON.stringify(valueAt(document, e.instancePath))} is not one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    const line = `${keyPath(e.instancePath)}: ${message}`;
    if (!lines.includes(line)) lines.push(line);
  }
  // "required" errors from the oneOf branches restate the oneOf message.
  return lines.filter((l) => !/: must have required property 'sql(_file)?'$/.test(l));
}

/**
 * A validated queries file: the YAML (or JSON) parsed, checked against schema/queries.schema.json
 * and the rules a schema cannot express, with defaults applied.
 */
export class QueriesFile {
  /** Reads, validates and resolves a queries file. Throws QueriesFileError listing every problem. */
  static fromFile(file: string, overrides: DefaultsOverrides = {}): QueriesFile {
    const absolute = path.resolve(file);
    if (!fs.existsSync(absolute)) {
      throw new QueriesFileError(absolute, [`file not found; pass an existing queries file, e.g. -c config=../examples/queries.yaml`]);
    }
    let document: unknown;
    try {
      document = parseYaml(fs.readFileSync(absolute, 'utf8'));
    } catch (e) {
      throw new QueriesFileError(absolute, [`not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
    }
    if (document !== null && typeof document === 'object' && !Array.isArray(document)) {
      const raw = document as Raw;
      const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length > 0) raw.defaults = { ...(raw.defaults ?? {}), ...set };
    }
    return QueriesFile.fromObject(document, { source: absolute, baseDirectory: path.dirname(absolute) });
  }

  /**
   * Validates and resolves a queries file given as an object (e.g. built in TypeScript).
   * @param options.source names the document in error messages.
   * @param options.baseDirectory resolves sql_file paths.
   */
  static fromObject(document: unknown, options: { source?: string; baseDirectory?: string } = {}): QueriesFile {
    const source = options.source ?? '(inline queries)';
    const validate = schemaValidator();
    if (!validate(document)) {
      throw new QueriesFileError(source, describeSchemaErrors(validate.errors ?? [], document));
    }
    return new QueriesFile(document as Raw, source, options.baseDirectory ?? process.cwd());
  }

  /** Where the file came from (its absolute path), for messages. */
  readonly source: string;
  /** Every query, in file order. */
  readonly queries: readonly ResolvedQuery[];
  /** Data location per table, keyed by "database.table". */
  readonly tableLocations: ReadonlyMap<string, S3Location>;
  /** The defaults section with built-in defaults applied (database and output may be absent). */
  readonly defaults: {
    readonly workgroup: string;
    readonly catalog: string;
    readonly database?: string;
    readonly output?: S3Location;
    readonly timeout: string;
    readonly timezone: string;
    readonly encryption?: ResultEncryption;
    readonly expectedBucketOwner?: string;
  };

  private constructor(raw: Raw, source: string, baseDirectory: string) {
    this.source = source;
    const problems: string[] = [];
    const rawDefaults: Raw = raw.defaults ?? {};

    const s3 = (value: string | undefined, key: string): S3Location | undefined => {
      if (value === undefined) return undefined;
      const parsed = parseS3Location(value);
      if (typeof parsed === 'string') {
        problems.push(`${key}: ${parsed}`);
        return undefined;
      }
      return parsed;
    };
    const zone = (value: string | undefined, key: string): void => {
      const problem = value === undefined ? undefined : timeZoneError(value);
      if (problem) problems.push(`${key}: ${problem}`);
    };
    const reuse = (value: string | undefined, key: string): void => {
      if (value === undefined) return;
      const seconds = parseDurationSeconds(value)!;
      if (seconds % 60 !== 0 || seconds / 60 > MAX_RESULT_REUSE_MINUTES) {
        problems.push(`${key}: result_reuse "${value}" must be a whole number of minutes up to 7 days (10080m)`);
      }
    };
    const encryption = (value: Raw | undefined): ResultEncryption | undefined =>
      value === undefined ? undefined : { type: value.type, kmsKey: value.kms_key };
    const notify = (value: Raw | undefined, key: string): NotifyTargets | undefined => {
      if (value === undefined) return undefined;
      for (const target of ['on_success', 'on_failure']) {
        const problem = value[target] === undefined ? undefined : notifyTargetError(value[target]);
        if (problem) problems.push(`${key}.${target}: ${problem}`);
      }
      return { onSuccess: value.on_success, onFailure: value.on_failure };
    };

    const defaultOutput = s3(rawDefaults.output, 'defaults.output');
    zone(rawDefaults.timezone, 'defaults.timezone');
    reuse(rawDefaults.result_reuse, 'defaults.result_reuse');
    const defaultNotify = notify(rawDefaults.notify, 'defaults.notify');
    this.defaults = {
      workgroup: rawDefaults.workgroup ?? BUILT_IN_DEFAULTS.workgroup,
      catalog: rawDefaults.catalog ?? BUILT_IN_DEFAULTS.catalog,
      database: rawDefaults.database,
      output: defaultOutput,
      timeout: rawDefaults.timeout ?? BUILT_IN_DEFAULTS.timeout,
      timezone: rawDefaults.timezone ?? BUILT_IN_DEFAULTS.timezone,
      encryption: encryption(rawDefaults.encryption),
      expectedBucketOwner: rawDefaults.expected_bucket_owner,
    };

    const qualify = (ref: string, database: string | undefined, key: string): TableRef | undefined => {
      const [first, second] = ref.split('.');
      if (second !== undefined) return { database: first, table: second };
      if (database === undefined) {
        problems.push(`${key}: table "${ref}" has no database: write "database.table" or set defaults.database`);
        return undefined;
      }
      return { database, table: first };
    };

    const locations = new Map<string, S3Location>();
    for (const [name, entry] of Object.entries<Raw>(raw.tables ?? {})) {
      const ref = qualify(name, this.defaults.database, `tables.${name}`);
      const location = s3(entry.location, `tables.${name}.location`);
      if (!ref || !location) continue;
      const key = `${ref.database}.${ref.table}`;
      if (locations.has(key)) problems.push(`tables.${name}: table ${key} is listed twice`);
      locations.set(key, location);
    }
    this.tableLocations = locations;

    const queries: ResolvedQuery[] = [];
    for (const [name, q] of Object.entries<Raw>(raw.queries)) {
      const at = `queries.${name}`;
      let sql: string | undefined = q.sql;
      if (q.sql_file !== undefined) {
        const file = path.resolve(baseDirectory, q.sql_file);
        if (!fs.existsSync(file)) problems.push(`${at}.sql_file: file not found: ${file} (paths are relative to the queries file)`);
        else sql = fs.readFileSync(file, 'utf8');
      }
      if (q.schedule !== undefined) {
        const problem = scheduleExpressionError(q.schedule);
        if (problem) problems.push(`${at}.schedule: ${problem}`);
      }
      zone(q.timezone, `${at}.timezone`);
      reuse(q.result_reuse, `${at}.result_reuse`);
      const queryNotify = notify(q.notify, `${at}.notify`) ?? defaultNotify ?? {};
      const database: string | undefined = q.database ?? this.defaults.database;
      if (database === undefined) problems.push(`${at}: no database: set database on the query or in defaults`);
      const outputText: string | undefined = q.output ?? rawDefaults.output;
      const output = q.output !== undefined ? s3(q.output, `${at}.output`) : defaultOutput;
      if (outputText === undefined) problems.push(`${at}: no output location: set output on the query or in defaults`);
      const placeholders = (sql?.match(/\?/g) ?? []).length;
      const parameters: string[] = q.parameters ?? [];
      if (sql !== undefined && parameters.length > 0 && placeholders < parameters.length) {
        problems.push(`${at}.parameters: ${parameters.length} parameters but the SQL has only ${placeholders} "?" placeholder(s)`);
      }
      let tables: TableRef[] | undefined;
      if (q.tables !== undefined) {
        tables = [];
        (q.tables as string[]).forEach((ref, i) => {
          const resolved = qualify(ref, database, `${at}.tables[${i}]`);
          if (resolved) tables!.push(resolved);
        });
      }
      const deliver: Delivery[] = [];
      ((q.deliver ?? []) as Raw[]).forEach((d, i) => {
        const key = `${at}.deliver[${i}].to`;
        const format: DeliveryFormat = d.format ?? 'csv';
        const problem = deliveryDestinationError(d.to, format) ?? templateVariableError(d.to, key);
        if (problem) {
          problems.push(problem.startsWith(`${key}:`) ? problem : `${key}: ${problem}`);
          return;
        }
        const [, bucket, objectKey] = /^s3:\/\/([^/]*)\/(.+)$/s.exec(d.to)!;
        const template = objectKey.indexOf('{{');
        deliver.push({
          to: d.to,
          format,
          overwrite: d.overwrite ?? 'replace',
          formatGiven: d.format !== undefined,
          overwriteGiven: d.overwrite !== undefined,
          bucket,
          grantPrefix: template === -1 ? objectKey : objectKey.slice(0, template),
        });
      });
      const queryEncryption = encryption(q.encryption) ?? this.defaults.encryption;
      if (deliver.length > 0 && queryEncryption?.type === 'CSE_KMS') {
        problems.push(`${at}.deliver: results encrypted with CSE_KMS are ciphertext to S3, so a delivery would copy (or gzip) ciphertext: use SSE_KMS or SSE_S3 for a query with deliver`);
      }
      if (!sql || !database || !output) continue;
      const timeout: string = q.timeout ?? this.defaults.timeout;
      queries.push({
        name,
        description: q.description,
        sql,
        parameters,
        schedule: q.schedule,
        after: q.after ?? [],
        onOverlap: q.on_overlap ?? 'allow',
        enabled: q.enabled ?? true,
        timezone: q.timezone ?? this.defaults.timezone,
        tables,
        workgroup: q.workgroup ?? this.defaults.workgroup,
        catalog: q.catalog ?? this.defaults.catalog,
        database,
        output,
        outputFromDefaults: q.output === undefined,
        timeout,
        timeoutSeconds: parseDurationSeconds(timeout)!,
        resultReuse: q.result_reuse ?? rawDefaults.result_reuse,
        encryption: encryption(q.encryption) ?? this.defaults.encryption,
        expectedBucketOwner: q.expected_bucket_owner ?? this.defaults.expectedBucketOwner,
        resultFormat: q.result_format ?? rawDefaults.result_format ?? BUILT_IN_DEFAULTS.resultFormat,
        notify: queryNotify,
        deliver,
      });
    }
    problems.push(...dependencyProblems(raw.queries));
    if (problems.length > 0) throw new QueriesFileError(source, problems);
    this.queries = queries;
  }

  /** Every query that runs after `name`, directly or not, in file order. */
  dependentsOf(name: string): ResolvedQuery[] {
    const found = new Set<string>();
    const visit = (upstream: string): void => {
      for (const q of this.queries) {
        if (q.after.includes(upstream) && !found.has(q.name)) {
          found.add(q.name);
          visit(q.name);
        }
      }
    };
    visit(name);
    return this.queries.filter((q) => found.has(q.name));
  }

  /** The query spec sent to the Lambda function: the file's keys, every default applied, SQL inlined. */
  static querySpec(query: ResolvedQuery, output: string = query.output.uri): Record<string, unknown> {
    const spec: Record<string, unknown> = {
      name: query.name,
      sql: query.sql,
      workgroup: query.workgroup,
      catalog: query.catalog,
      database: query.database,
      output,
      timeout: query.timeout,
      timezone: query.timezone,
    };
    if (query.parameters.length > 0) spec.parameters = query.parameters;
    if (query.after.length > 0) spec.after = query.after;
    if (query.onOverlap !== 'allow') spec.on_overlap = query.onOverlap;
    if (query.resultReuse !== undefined) spec.result_reuse = query.resultReuse;
    if (query.encryption !== undefined) {
      spec.encryption = query.encryption.kmsKey
        ? { type: query.encryption.type, kms_key: query.encryption.kmsKey }
        : { type: query.encryption.type };
    }
    if (query.expectedBucketOwner !== undefined) spec.expected_bucket_owner = query.expectedBucketOwner;
    if (query.notify.onSuccess !== undefined || query.notify.onFailure !== undefined) {
      spec.notify = {
        ...(query.notify.onSuccess !== undefined ? { on_success: query.notify.onSuccess } : {}),
        ...(query.notify.onFailure !== undefined ? { on_failure: query.notify.onFailure } : {}),
      };
    }
    if (query.deliver.length > 0) {
      spec.deliver = query.deliver.map((d) => ({
        to: d.to,
        ...(d.formatGiven ? { format: d.format } : {}),
        ...(d.overwriteGiven ? { overwrite: d.overwrite } : {}),
      }));
    }
    return spec;
  }
}

/**
 * The checks of after that need the whole file, with the C++ loader's messages (src/spec/queries_file.cpp):
 * every name known, no schedule beside after, no cycle.
 */
function dependencyProblems(rawQueries: Record<string, Raw>): string[] {
  const problems: string[] = [];
  const names = Object.keys(rawQueries);
  const upstream = new Map<string, string[]>();
  for (const name of names) {
    const after: string[] | undefined = rawQueries[name].after;
    if (after === undefined) continue;
    if (rawQueries[name].schedule !== undefined) {
      problems.push(`queries.${name}.schedule: a query with after runs when ${after.length === 1 ? 'its upstream query succeeds' : 'its upstream queries succeed'} and has no schedule of its own: remove schedule or after`);
    }
    after.forEach((item, i) => {
      if (!names.includes(item)) problems.push(`queries.${name}.after[${i}]: unknown query "${item}" (queries: ${names.join(', ')})`);
    });
    upstream.set(name, after.filter((item) => names.includes(item)));
  }
  const marks = new Map<string, 'path' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    marks.set(name, 'path');
    path.push(name);
    for (const next of upstream.get(name) ?? []) {
      if (marks.get(next) === 'path') {
        const cycle = [...path.slice(path.indexOf(next)), next].join(' → ');
        problems.push(`queries.${next}.after: a cycle of after: ${cycle} (each runs after the next)`);
      } else if (!marks.has(next)) {
        visit(next);
      }
    }
    path.pop();
    marks.set(name, 'done');
  };
  for (const name of names) if (!marks.has(name)) visit(name);
  return problems;
}
