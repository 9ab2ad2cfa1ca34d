#!/usr/bin/env node
// The CDK app: cdk synth|deploy -c config=path/to/queries.yaml (see infra/README.md).
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';

const app = new App();
try {
  buildApp(app);
} catch (error) {
  // A configuration problem: print the message alone (no stack trace) and fail the synth.
  console.error(`athena-runner: ${(error as Error).message}`);
  process.exit(1);
}
