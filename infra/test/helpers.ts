import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';

/** A fresh temporary directory for one test file. */
export function tempDir(prefix = 'athena-runner-infra-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Writes a small but real zip holding an executable `bootstrap` (stored, not compressed), standing
 * in for the C++ build's dist/athena-runner-lambda.zip.
 */
export function writeDummyLambdaZip(dir: string): string {
  const name = Buffer.from('bootstrap');
  const data = Buffer.from('#!/bin/sh\necho "dummy athena-runner bootstrap for CDK tests" >&2\nexit 1\n');
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below applies
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(((0o100755 << 16) >>> 0), 38); // -rwxr-xr-x
  central.writeUInt32LE(0, 42); // offset of the local header
  const centralStart = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralStart, 16);
  const file = path.join(dir, 'athena-runner-lambda.zip');
  fs.writeFileSync(file, Buffer.concat([local, name, data, central, name, end]));
  return file;
}

/** Writes a queries file (YAML text) into dir and returns its path. */
export function writeQueriesFile(dir: string, yaml: string, name = 'queries.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  return file;
}

/** Calls fn and returns the message it throws; fails the test if it does not throw. */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

/**
 * Renders a CloudFormation value as text for inspection: {"Ref": "X"} -> <X>, Fn::GetAtt -> <X.Attr>,
 * Fn::Join concatenated, so ARNs can be compared as strings.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if ('Ref' in v) return `<${v.Ref}>`;
    if ('Fn::GetAtt' in v) return `<${v['Fn::GetAtt'].join('.')}>`;
    if ('Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
    if ('Fn::Select' in v) return `<select ${render(v['Fn::Select'][1])}>`;
    if ('Fn::Split' in v) return `<split ${render(v['Fn::Split'][1])}>`;
  }
  return JSON.stringify(value);
}

/** cdk-nag AwsSolutions findings (errors and warnings) as "id: first line", for an expect(...).toEqual([]). */
export function nagFindings(annotations: Annotations): string[] {
  return [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
}
