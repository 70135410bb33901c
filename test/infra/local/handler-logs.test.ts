import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { captureHandlerLogs } from '../../../infra/local/handler-logs.ts';
import { capture } from '../../support/cli-io.ts';

describe('handler logs of a local run', () => {
  it('writes each Powertools record as one NDJSON line and leaves the terminal alone', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'handler-logs-')), 'logs', 'run.ndjson');
    const previous = { dev: process.env.POWERTOOLS_DEV, level: process.env.POWERTOOLS_LOG_LEVEL };
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    const logs = await captureHandlerLogs(path);
    try {
      // As a handler module does: created once, level from the environment, indented JSON in dev mode.
      const logger = new Logger({ serviceName: 'settlement' });
      logger.info('collected', { source: 'toggl', records: 42 });
      logger.error('settlement failed', { errorName: 'SourceConfigError' });
      console.log('plain text from a library');
    } finally {
      await logs.restore();
      for (const [name, value] of [
        ['POWERTOOLS_DEV', previous.dev],
        ['POWERTOOLS_LOG_LEVEL', previous.level],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    const records = lines.map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ level: 'INFO', message: 'collected', source: 'toggl', records: 42 });
    expect(records[1]).toMatchObject({ level: 'ERROR', errorName: 'SourceConfigError' });
    expect(records[2]).toMatchObject({ level: 'INFO', message: 'plain text from a library' });
    expect(logs.lines()).toBe(3);
  });

  it('also shows the lines with --verbose, and puts console back afterwards', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'handler-logs-')), 'run.ndjson');
    const terminal = capture();
    const original = console.warn;
    const logs = await captureHandlerLogs(path, terminal.stream);
    console.warn('retrying %s', 'toggl');
    await logs.restore();
    expect(console.warn).toBe(original);
    expect(JSON.parse(terminal.text())).toMatchObject({ level: 'WARN', message: 'retrying toggl' });
    expect(readFileSync(path, 'utf8')).toBe(terminal.text());
  });
});
