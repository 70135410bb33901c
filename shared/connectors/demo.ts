import { SettlementRecord } from '#domain/records.ts';
import { COMMON_OPTIONS, type Connector } from './connector.ts';
import { type RecordSink, type SourceOptions, stringOption } from './record-sink.ts';
import { decodeText } from './tabular.ts';

/** The demo tenant's records: NDJSON of settlement records (one per line), `projectRef` filled when empty. */
function addNdjsonRecords(sink: RecordSink, bytes: Uint8Array, options: SourceOptions): void {
  decodeText(bytes)
    .split(/\r?\n/)
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const position = `line ${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        sink.quarantine('unparseable-line', `demo ${position}: not valid JSON`, position, line);
        return;
      }
      const parsed = SettlementRecord.safeParse(value);
      if (!parsed.success) {
        sink.quarantine(
          'invalid-record',
          `demo ${position}: field \`${parsed.error.issues[0]?.path.join('.') ?? 'record'}\` ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
          position,
          value,
        );
        return;
      }
      const { source: _source, ...rest } = parsed.data;
      const projectRef = stringOption(options, 'projectRef');
      sink.accept(
        rest.projectRef || projectRef === undefined ? rest : { ...rest, projectRef },
        position,
        value,
      );
    });
}

export const demoConnector: Connector = {
  name: 'demo',
  summary: 'settlement records as NDJSON (the demo tenant)',
  options: { projectRef: COMMON_OPTIONS.projectRef },
  addFile: addNdjsonRecords,
  addPages(sink) {
    sink.quarantine('unexpected-shape', 'demo: a file source has no pages', 'file', null);
  },
};
