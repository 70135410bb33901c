import { isObject, itemPosition, projectFor, type RecordSink, type SourceOptions } from './record-sink.ts';

/** One time entry as a vendor's JSON gives it, read into common fields (undefined = absent or unreadable). */
export interface EntryFields {
  readonly id?: string;
  /** The timer is still running: not settled until it stops. */
  readonly running: boolean;
  readonly seconds?: number;
  /** The duration as received, for messages. */
  readonly durationText: string;
  /** UTC instant (ISO, Z). */
  readonly start?: string;
  /** UTC instant when the vendor gives an end; undefined when it has none. */
  readonly end?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly person?: string;
  readonly billable: boolean;
  readonly description?: string;
  readonly taskKey?: string;
  /** The entry's approval, where the vendor's data says (see TimeRecord.approval). */
  readonly approval?: 'approved' | 'pending' | 'rejected';
}

/** How one vendor's JSON names the fields the loop reports on. */
export interface EntryVendor {
  readonly source: string;
  /** What the entries are called in the "expected …" message. */
  readonly shape: string;
  readonly fields: {
    readonly id: string;
    readonly duration: string;
    readonly start: string;
    readonly end: string;
  };
  /** How a duration must be written, for the message ("whole seconds", "an ISO-8601 duration"). */
  readonly durationFormat: string;
  read(entry: Record<string, unknown>): EntryFields;
}

/**
 * The entry loop Toggl and Clockify share: shape, id, running timer, duration, start, end not before
 * start, project; then a time record whose id is the vendor's entry id.
 */
export function addTimeEntries(
  sink: RecordSink,
  entries: unknown,
  options: SourceOptions,
  pageLabel: string,
  vendor: EntryVendor,
): void {
  const { source, fields } = vendor;
  if (!Array.isArray(entries)) {
    sink.quarantine(
      'unexpected-shape',
      `${source} ${pageLabel || 'file'}: expected ${vendor.shape}, got ${entries === null ? 'null' : typeof entries}`,
      pageLabel || 'file',
      entries,
    );
    return;
  }
  entries.forEach((entry, index) => {
    const position = itemPosition(pageLabel, index);
    if (!isObject(entry)) {
      sink.quarantine(
        'unexpected-shape',
        `${source} ${position}: a time entry must be an object`,
        position,
        entry,
      );
      return;
    }
    const e = vendor.read(entry);
    if (e.id === undefined) {
      sink.quarantine(
        'missing-id',
        `${source} ${position}: field \`${fields.id}\` is missing`,
        position,
        entry,
      );
      return;
    }
    const where = `${source} ${position} (entry ${e.id})`;
    if (e.running) {
      sink.quarantine(
        'running-timer',
        `${where}: the timer is still running (field \`${fields.duration}\` ${e.durationText}, \`${fields.end}\` empty) and is not settled until it is stopped`,
        position,
        entry,
      );
      return;
    }
    if (e.seconds === undefined) {
      sink.quarantine(
        'invalid-duration',
        `${where}: field \`${fields.duration}\` must be ${vendor.durationFormat} (${e.durationText})`,
        position,
        entry,
      );
      return;
    }
    if (e.start === undefined) {
      sink.quarantine(
        'invalid-start',
        `${where}: field \`${fields.start}\` is not an ISO 8601 timestamp with offset`,
        position,
        entry,
      );
      return;
    }
    if (e.end !== undefined && Date.parse(e.end) < Date.parse(e.start)) {
      sink.quarantine(
        'end-before-start',
        `${where}: field \`${fields.end}\` (${e.end}) is before \`${fields.start}\` (${e.start}); the entry cannot be placed`,
        position,
        entry,
      );
      return;
    }
    const projectRef = projectFor(options, e.projectName, e.projectId);
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `${where}: the entry has no project and no projectRef fallback is set`,
        position,
        entry,
      );
      return;
    }
    sink.accept(
      {
        kind: 'time',
        sourceId: e.id,
        projectRef,
        person: e.person,
        start: e.start,
        seconds: e.seconds,
        billable: e.billable,
        billableSeconds: e.billable ? e.seconds : 0,
        description: e.description,
        taskKey: e.taskKey,
        ...(e.approval ? { approval: e.approval } : {}),
      },
      position,
      entry,
    );
  });
}
