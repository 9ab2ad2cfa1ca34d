/**
 * Checks of the queries file that a JSON Schema cannot express. Each returns an error message
 * (without the key path, which the caller prefixes) or undefined when the value is valid.
 * The rules come from the AWS documentation cited at each function.
 */

/** The EventBridge Scheduler cron fields, in order. */
const CRON_FIELDS = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'] as const;
const CRON_SHAPE = 'cron(minutes hours day-of-month month day-of-week year)';
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronFieldRule {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Wildcards allowed beyond `, - * /`. */
  readonly allowQuestion?: boolean;
  readonly allowL?: boolean;
  readonly allowW?: boolean;
  readonly allowHash?: boolean;
}

// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
const CRON_RULES: Record<(typeof CRON_FIELDS)[number], CronFieldRule> = {
  'minutes': { min: 0, max: 59 },
  'hours': { min: 0, max: 23 },
  'day-of-month': { min: 1, max: 31, allowQuestion: true, allowL: true, allowW: true },
  'month': { min: 1, max: 12, names: MONTH_NAMES },
  'day-of-week': { min: 1, max: 7, names: DAY_NAMES, allowQuestion: true, allowL: true, allowHash: true },
  'year': { min: 1970, max: 2199 },
};

/**
 * Validates an EventBridge Scheduler schedule expression: cron(6 fields), rate(value unit) or
 * at(yyyy-mm-ddThh:mm:ss). https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function scheduleExpressionError(expression: string): string | undefined {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronError(expression, cron[1]);
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return rateError(expression, rate[1]);
  const at = /^at\((.*)\)$/.exec(expression);
  if (at) return atError(expression, at[1]);
  return `invalid schedule "${expression}": expected ${CRON_SHAPE}, rate(value unit) or at(yyyy-mm-ddThh:mm:ss)`;
}

function cronError(expression: string, body: string): string | undefined {
  const fields = body.trim().split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== CRON_FIELDS.length) {
    return `invalid cron expression "${expression}": expected 6 fields, ${CRON_SHAPE}, got ${fields.length}; for example cron(0 6 * * ? *)`;
  }
  for (let i = 0; i < CRON_FIELDS.length; i++) {
    const name = CRON_FIELDS[i];
    const problem = cronFieldError(fields[i], CRON_RULES[name]);
    if (problem) return `invalid cron expression "${expression}": ${name} field "${fields[i]}" ${problem}`;
  }
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `invalid cron expression "${expression}": exactly one of day-of-month ("${dayOfMonth}") and day-of-week ("${dayOfWeek}") must be "?"`;
  }
  return undefined;
}

function cronFieldError(field: string, rule: CronFieldRule): string | undefined {
  if (field === '?') return rule.allowQuestion ? undefined : 'cannot be "?" (only day-of-month and day-of-week can)';
  const range = `${rule.min}-${rule.max}${rule.names ? ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}` : ''}`;
  const value = (text: string): number | undefined => {
    const upper = text.toUpperCase();
    if (rule.names?.includes(upper)) return rule.names.indexOf(upper) + 1;
    if (!/^\d+$/.test(text)) return undefined;
    const n = Number(text);
    return n >= rule.min && n <= rule.max ? n : undefined;
  };
  for (const part of field.split(',')) {
    if (part === '') return 'has an empty list item';
    if (rule.allowL && part === 'L') continue;
    if (rule.allowW && /^(\d+W|LW)$/.test(part)) {
      if (part !== 'LW' && value(part.slice(0, -1)) === undefined) return `is out of range (${range})`;
      continue;
    }
    if (rule.allowL && /^\w+L$/.test(part) && rule.names) {
      // day-of-week "5L": last Thursday of the month
      if (value(part.slice(0, -1)) === undefined) return `is out of range (${range})`;
      continue;
    }
    if (rule.allowHash && part.includes('#')) {
      const [day, nth] = part.split('#');
      if (value(day) === undefined || !/^[1-5]$/.test(nth ?? '')) return `has an invalid "#" item "${part}" (day#1-5)`;
      continue;
    }
    const [base, step, extra] = part.split('/');
    if (extra !== undefined) return `has more than one "/" in "${part}"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `has an invalid increment "/${step}"`;
    if (base === '*') continue;
    const bounds = base.split('-');
    if (bounds.length > 2 || bounds.some((b) => value(b) === undefined)) {
      return `is not a value, range, list or increment within ${range}`;
    }
  }
  return undefined;
}

function rateError(expression: string, body: string): string | undefined {
  const match = /^(\d+) ([a-z]+)$/.exec(body);
  const units = ['minute', 'hour', 'day'];
  if (!match || Number(match[1]) < 1 || !units.some((u) => match[2] === u || match[2] === `${u}s`)) {
    return `invalid rate expression "${expression}": expected rate(value unit) with a positive whole value and a unit of minute(s), hour(s) or day(s), for example rate(15 minutes)`;
  }
  const value = Number(match[1]);
  const singular = match[2].replace(/s$/, '');
  if (value === 1 && match[2] !== singular) {
    return `invalid rate expression "${expression}": a value of 1 takes the singular unit: rate(1 ${singular})`;
  }
  if (value > 1 && match[2] === singular) {
    return `invalid rate expression "${expression}": a value above 1 takes the plural unit: rate(${value} ${singular}s)`;
  }
  return undefined;
}

function atError(expression: string, body: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  const parsed = match ? new Date(`${body}Z`) : undefined;
  if (!match || !parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== body) {
    return `invalid at expression "${expression}": expected at(yyyy-mm-ddThh:mm:ss), for example at(2030-01-31T06:00:00)`;
  }
  return undefined;
}

/** IANA time zone names this Node.js knows (the same tz database ICU ships), plus UTC. */
export function timeZoneError(timeZone: string): string | undefined {
  const known = new Set<string>(Intl.supportedValuesOf('timeZone'));
  if (known.has(timeZone) || timeZone === 'UTC' || timeZone === 'Etc/UTC') return undefined;
  try {
    // Accepts aliases the canonical list leaves out (e.g. Asia/Calcutta); rejects unknown names.
    new Intl.DateTimeFormat('en-US', { timeZone });
    if (timeZone.includes('/')) return undefined;
  } catch {
    // fall through
  }
  return `unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin, America/New_York or UTC`;
}

/** A parsed S3 prefix location. */
export interface S3Location {
  readonly bucket: string;
  /** The key prefix, ending with '/', or '' for the whole bucket. */
  readonly prefix: string;
  /** The location as written: s3://bucket/prefix */
  readonly uri: string;
}

/**
 * Parses s3://bucket/prefix/. Bucket naming rules:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function parseS3Location(uri: string): S3Location | string {
  const shape = 'expected s3://bucket/prefix/ ending with "/", with a bucket name of 3-63 characters of a-z, 0-9, "." and "-"';
  const match = /^s3:\/\/([^/]*)(\/(.*))?$/.exec(uri);
  if (!match) return `malformed S3 location "${uri}": ${shape}`;
  const bucket = match[1];
  const prefix = match[3] ?? '';
  const validBucket = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
  if (!validBucket) return `malformed S3 location "${uri}": bucket "${bucket}" is not a valid bucket name; ${shape}`;
  if (match[2] === undefined || (prefix !== '' && !prefix.endsWith('/'))) {
    return `malformed S3 location "${uri}": a location is a prefix and must end with "/" (s3://${bucket}/${prefix}${prefix ? '/' : ''})`;
  }
  if (prefix.includes('//') || prefix.startsWith('/')) return `malformed S3 location "${uri}": the prefix has an empty path segment ("//")`;
  if (/[*?]/.test(prefix)) return `malformed S3 location "${uri}": the prefix cannot contain "*" or "?"`;
  return { bucket, prefix, uri };
}

/** The formats of a delivery (docs/queries-file.md, "Delivery"). */
export type DeliveryFormat = 'csv' | 'csv.gz' | 'parquet' | 'json';

/** The template variables of src/spec/template.cpp, in its order (for the same message). */
export const TEMPLATE_VARIABLES = ['scheduled_time', 'scheduled_time_utc', 'scheduled_time_local', 'scheduled_date',
  'scheduled_year', 'scheduled_month', 'scheduled_day', 'scheduled_hour', 'scheduled_minute', 'scheduled_epoch',
  'query_name'] as const;

/**
 * Checks a delivery's `to` with the C++ loader's messages (src/spec/value_formats.cpp): s3://, a valid bucket
 * without templates, a non-empty key without "//", and a prefix for the UNLOAD formats.
 */
export function deliveryDestinationError(to: string, format: DeliveryFormat): string | undefined {
  const malformed = (problem: string) => `malformed S3 destination "${to}": ${problem}`;
  const match = /^s3:\/\/([^/]*)\/(.+)$/s.exec(to);
  if (!match) {
    return malformed('expected s3://bucket/key, or s3://bucket/prefix/ ending with "/" (each run\'s object is then named <query>_<scheduled time>.<extension> under it)');
  }
  const [, bucket, key] = match;
  const validBucket = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
  if (!validBucket) {
    return malformed(`bucket "${bucket}" is not a valid bucket name (3-63 characters of a-z, 0-9, "." and "-", starting and ending with a letter or digit; templates are allowed in the key only)`);
  }
  if (key.startsWith('/') || key.includes('//')) return malformed('the key has an empty path segment ("//")');
  if ((format === 'parquet' || format === 'json') && !key.endsWith('/')) {
    return `format ${format} is written by Athena's UNLOAD, which may split the result into several files: "to" must be a prefix ending with "/", not "${to}"`;
  }
  return undefined;
}

/**
 * The variables of each {{ ... }} in a template, checked against TEMPLATE_VARIABLES with the renderer's message
 * (`<name>:<line>:<column>: unknown variable ...`); filters are checked by the function when it renders.
 */
export function templateVariableError(text: string, name: string): string | undefined {
  const open = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)?/g;
  for (let match = open.exec(text); match; match = open.exec(text)) {
    const variable = match[1];
    if (variable === undefined || (TEMPLATE_VARIABLES as readonly string[]).includes(variable)) continue;
    const offset = match.index + match[0].length - variable.length;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    return `${name}:${line}:${column}: unknown variable "${variable}"; variables: ${TEMPLATE_VARIABLES.join(', ')}`;
  }
  return undefined;
}

/** Parses a duration such as 90s, 10m, 2h, 1d into seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^([1-9]\d*)(s|m|h|d)$/.exec(text);
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** The word a query's notify uses for the stack's topic (ATHENA_RUNNER_NOTIFY_TOPIC). */
export const STACK_TOPIC = 'stack';

/**
 * Validates a standard SNS topic ARN, arn:<partition>:sns:<region>:<account>:<name> (names: 1-256 letters,
 * digits, - and _; https://docs.aws.amazon.com/sns/latest/dg/sns-create-topic.html). FIFO topics are refused:
 * their messages need a message group. Same messages as src/spec/value_formats.cpp.
 */
export function snsTopicArnError(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:([A-Za-z0-9_-]{1,256})(\.fifo)?$/.exec(arn);
  if (!match) {
    return `malformed SNS topic ARN "${arn}": expected arn:<partition>:sns:<region>:<12-digit account>:<topic name of 1-256 letters, digits, - and _>`;
  }
  if (match[3] !== undefined) return `SNS topic "${arn}" is a FIFO topic, whose messages need a message group: use a standard topic`;
  return undefined;
}

/** A notify target: stack, or a standard SNS topic ARN. */
export function notifyTargetError(target: string): string | undefined {
  if (target === STACK_TOPIC) return undefined;
  const problem = snsTopicArnError(target);
  return problem === undefined ? undefined : `${problem}, or ${STACK_TOPIC} for the function's topic`;
}
