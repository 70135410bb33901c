import type { SourceName } from '#domain/records.ts';
import { COMMON_OPTIONS, type Connector, withoutOverflow } from './connector.ts';
import { SourceConfigError } from './errors.ts';
import { mapOption, type RecordSink, type SourceOptions, stringOption, timeZoneOf } from './record-sink.ts';
import { cell, readTable, type Table, type TableRow } from './tabular.ts';
import {
  contentId,
  hoursToSeconds,
  multiplyDecimal,
  occurrenceIds,
  parseClockDuration,
  parseClockTime,
  parseDate,
  parseDecimal,
  toIsoUtc,
  zonedToEpoch,
} from './values.ts';

/**
 * Generic CSV/XLSX import with a column mapping: everything that has no API. A built-in
 * profile (`options.profile`) fixes the record kind, defaults and header aliases; `options.columns`
 * ({field: "Header"}) overrides or, with `options.kind`, defines a custom mapping.
 * Profiles: overhead (cost/indirect), site-daily-log (time on a site), material-requisition
 * (cost/materials: quantity × unit price), equipment-rental (cost/equipment), acceptance (evidence
 * type acceptance), nps (evidence type nps). Headers match case- and punctuation-insensitively.
 * Options: profile, kind, columns, projectRef, projectMap, currency, vendor, category, tz, dayFirst, billable.
 */

type Kind = 'cost' | 'time' | 'evidence';

interface Profile {
  readonly kind: Kind;
  readonly defaults: Readonly<Record<string, string | boolean>>;
  readonly aliases: Readonly<Record<string, readonly string[]>>;
}

const COMMON: Record<string, readonly string[]> = {
  id: ['id', 'reference id', 'entry id', 'line id', 'number', 'no'],
  date: ['date', 'day', 'posting date', 'booking date'],
  project: ['project', 'project ref', 'projectref'],
  workPackage: ['work package', 'workpackage', 'site', 'phase'],
  description: ['description', 'item', 'text', 'memo'],
};

const COST: Record<string, readonly string[]> = {
  ...COMMON,
  amount: ['amount', 'total', 'cost', 'net amount', 'value'],
  currency: ['currency', 'ccy'],
  vendor: ['vendor', 'supplier', 'payee', 'lessor'],
  category: ['category', 'cost category'],
  quantity: ['quantity', 'qty', 'days'],
  unit: ['unit', 'uom'],
  unitPrice: ['unit price', 'price', 'rate', 'day rate', 'unit cost'],
  document: ['document', 'voucher', 'requisition', 'contract'],
};

export const PROFILES: Readonly<Record<string, Profile>> = {
  overhead: {
    kind: 'cost',
    defaults: { category: 'indirect', document: 'overhead', vendor: 'internal' },
    aliases: COST,
  },
  'material-requisition': {
    kind: 'cost',
    defaults: { category: 'materials', document: 'requisition', vendor: 'stores' },
    aliases: { ...COST, description: ['material', 'description', 'item'] },
  },
  'equipment-rental': {
    kind: 'cost',
    defaults: { category: 'equipment', document: 'rental', unit: 'day' },
    aliases: { ...COST, description: ['equipment', 'machine', 'description', 'item'] },
  },
  'site-daily-log': {
    kind: 'time',
    defaults: { billable: true },
    aliases: {
      ...COMMON,
      person: ['person', 'worker', 'email', 'name', 'crew'],
      role: ['role', 'trade'],
      startTime: ['start time', 'start', 'from'],
      hours: ['hours', 'hours worked', 'duration'],
      billable: ['billable'],
      task: ['task', 'activity'],
      description: ['description', 'work done', 'notes'],
    },
  },
  acceptance: {
    kind: 'evidence',
    defaults: { type: 'acceptance' },
    aliases: {
      ...COMMON,
      date: ['signed on', 'signed date', 'accepted on', 'date'],
      milestone: ['milestone', 'milestone id'],
      by: ['signed by', 'accepted by', 'by', 'signatory'],
      reference: ['reference', 'document', 'signed pdf', 'file', 'evidence'],
      note: ['note', 'notes', 'comment', 'remarks'],
    },
  },
  nps: {
    kind: 'evidence',
    defaults: { type: 'nps' },
    aliases: {
      ...COMMON,
      score: ['score', 'nps', 'rating'],
      by: ['respondent', 'by', 'email', 'name'],
      reference: ['reference', 'survey', 'response id'],
      note: ['comment', 'note', 'feedback'],
    },
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES);

function fieldReader(
  profile: Profile,
  options: SourceOptions,
): (row: TableRow, field: string) => string | undefined {
  const overrides = mapOption(options, 'columns');
  return (row, field) => {
    const override = overrides[field];
    const value =
      override !== undefined ? cell(row, override) : cell(row, ...(profile.aliases[field] ?? [field]));
    if (value !== undefined) return value;
    const fallback = stringOption(options, field) ?? profile.defaults[field];
    return typeof fallback === 'string' ? fallback : undefined;
  };
}

/** Resolves the profile for a generic file; undefined when neither `profile` nor `kind` is set. */
export function resolveProfile(options: SourceOptions): Profile | undefined {
  const name = stringOption(options, 'profile');
  if (name !== undefined) return PROFILES[name];
  const kind = stringOption(options, 'kind');
  if (kind === 'cost') return { kind, defaults: { category: 'other' }, aliases: COST };
  if (kind === 'time' || kind === 'evidence')
    return {
      kind,
      defaults: {},
      aliases: PROFILES[kind === 'time' ? 'site-daily-log' : 'acceptance']?.aliases ?? {},
    };
  return undefined;
}

export function addGenericRows(
  sink: RecordSink,
  table: Table,
  options: SourceOptions,
  fileLabel: string,
): void {
  const profile = resolveProfile(options);
  if (profile === undefined) {
    throw new Error(
      `unknown profile ${String(options.profile ?? options.kind)}; choose one of ${PROFILE_NAMES.join(', ')} or set kind + columns`,
    );
  }
  const profileName = stringOption(options, 'profile') ?? `custom-${profile.kind}`;
  const read = fieldReader(profile, options);
  const map = mapOption(options, 'projectMap');
  const ids = occurrenceIds();
  const source: SourceName = sink.source;
  const dayFirst = options.dayFirst === true;
  const tz = timeZoneOf(options);

  for (const row of table.rows) {
    const { position, raw } = row;
    const where = `${source} ${profileName} ${fileLabel ? `${fileLabel} ` : ''}${position}`;
    const project = read(row, 'project');
    const projectRef =
      project !== undefined ? (map[project] ?? project) : stringOption(options, 'projectRef');
    if (projectRef === undefined) {
      sink.quarantine(
        'missing-project',
        `${where}: field \`project\` is empty and no projectRef fallback is set`,
        position,
        raw,
      );
      continue;
    }
    const dateText = read(row, 'date');
    const date = parseDate(dateText, dayFirst);
    if (date === undefined) {
      sink.quarantine(
        'invalid-date',
        `${where}: field \`date\` is missing or not a date (${dateText ?? 'empty'})`,
        position,
        raw,
      );
      continue;
    }
    const givenId = read(row, 'id');
    const sourceId = `${profileName}-${givenId ?? ids(contentId(Object.values(raw)))}`;
    const workPackage = read(row, 'workPackage');

    if (profile.kind === 'cost') {
      const quantity = read(row, 'quantity');
      const unitPrice = read(row, 'unitPrice');
      let amount = parseDecimal(read(row, 'amount'), true);
      const parsedQuantity = quantity === undefined ? undefined : parseDecimal(quantity, true);
      if (amount === undefined && parsedQuantity !== undefined && unitPrice !== undefined) {
        const price = parseDecimal(unitPrice, true);
        if (price !== undefined) amount = multiplyDecimal(parsedQuantity, price);
      }
      if (amount === undefined) {
        sink.quarantine(
          'invalid-amount',
          `${where}: field \`amount\` (or quantity × unit price) is missing or not a decimal`,
          position,
          raw,
        );
        continue;
      }
      const currency = read(row, 'currency')?.toUpperCase();
      if (currency === undefined) {
        sink.quarantine(
          'missing-currency',
          `${where}: field \`currency\` is empty and no currency option is set`,
          position,
          raw,
        );
        continue;
      }
      sink.accept(
        {
          kind: 'cost',
          sourceId,
          projectRef,
          workPackage,
          category: read(row, 'category')?.toLowerCase(),
          amount,
          currency,
          date,
          vendor: read(row, 'vendor'),
          document: read(row, 'document'),
          description: read(row, 'description'),
          quantity: parsedQuantity,
          unit: parsedQuantity === undefined ? undefined : read(row, 'unit'),
        },
        position,
        raw,
      );
    } else if (profile.kind === 'time') {
      const hours = read(row, 'hours');
      const seconds = hours === undefined ? undefined : (hoursToSeconds(hours) ?? parseClockDuration(hours));
      if (seconds === undefined) {
        sink.quarantine(
          'invalid-duration',
          `${where}: field \`hours\` is missing or not a number of hours`,
          position,
          raw,
        );
        continue;
      }
      const time = parseClockTime(read(row, 'startTime') ?? '00:00');
      if (time === undefined) {
        sink.quarantine(
          'invalid-start',
          `${where}: field \`start time\` is not a time of day`,
          position,
          raw,
        );
        continue;
      }
      const billableText = read(row, 'billable');
      const billable =
        billableText === undefined
          ? profile.defaults.billable !== false
          : /^(yes|true|1|y)$/i.test(billableText);
      sink.accept(
        {
          kind: 'time',
          sourceId,
          projectRef,
          workPackage,
          person: read(row, 'person'),
          role: read(row, 'role'),
          start: toIsoUtc(zonedToEpoch(date, time, tz)),
          seconds,
          billable,
          billableSeconds: billable ? seconds : 0,
          description: read(row, 'description'),
          taskKey: read(row, 'task'),
        },
        position,
        raw,
      );
    } else {
      const type = read(row, 'type') ?? 'other';
      const scoreText = read(row, 'score');
      let score: number | undefined;
      if (scoreText !== undefined) {
        const parsed = parseDecimal(scoreText);
        if (parsed === undefined || (type === 'nps' && (Number(parsed) < -100 || Number(parsed) > 100))) {
          sink.quarantine(
            'invalid-score',
            `${where}: field \`score\` must be a number between -100 and 100 (${scoreText})`,
            position,
            raw,
          );
          continue;
        }
        score = Number(parsed);
      } else if (type === 'nps') {
        sink.quarantine('invalid-score', `${where}: field \`score\` is empty`, position, raw);
        continue;
      }
      const milestone = read(row, 'milestone');
      if (type === 'acceptance' && milestone === undefined) {
        sink.quarantine(
          'missing-milestone',
          `${where}: field \`milestone\` is empty; an acceptance must name its milestone`,
          position,
          raw,
        );
        continue;
      }
      sink.accept(
        {
          kind: 'evidence',
          sourceId,
          projectRef,
          workPackage,
          type,
          date,
          milestone,
          by: read(row, 'by'),
          score,
          reference: read(row, 'reference') ?? `${fileLabel || 'file'} ${position}`,
          note: read(row, 'note'),
        },
        position,
        raw,
      );
    }
  }
}

function genericConnector(name: 'csv' | 'xlsx'): Connector {
  return {
    name,
    summary: `${name === 'csv' ? 'CSV' : 'XLSX'} file with a built-in profile (${PROFILE_NAMES.join(', ')}) or your own column mapping`,
    options: {
      ...COMMON_OPTIONS,
      profile: { type: 'string', description: `built-in profile: ${PROFILE_NAMES.join(', ')}` },
      kind: { type: 'string', description: 'cost, time or evidence (own mapping without a profile)' },
      columns: { type: 'map', description: 'record field → header, e.g. {"amount":"Net"}' },
      currency: { type: 'string', description: 'currency when the file has no currency column' },
      vendor: { type: 'string', description: 'vendor when the file has no vendor column' },
      category: { type: 'string', description: 'cost category when the file has none' },
      tz: { type: 'string', description: 'IANA zone of wall-clock times (default UTC)' },
      dayFirst: { type: 'boolean', description: 'slashed dates are day first (DD/MM/YYYY)' },
      billable: { type: 'boolean', description: 'time rows are billable' },
      ...(name === 'xlsx'
        ? { sheet: { type: 'string', description: 'worksheet name (default: the first)' } }
        : {}),
    },
    async addFile(sink, bytes, options) {
      if (resolveProfile(options) === undefined) {
        throw new SourceConfigError(
          `${name}: option profile is missing or unknown (${String(options.profile ?? '')}); choose one of ${PROFILE_NAMES.join(', ')} or set kind + columns`,
          { source: name },
        );
      }
      const table = await readTable(bytes, stringOption(options, 'sheet'));
      if (table.failure) sink.quarantine('unparseable-file', `${name} file: ${table.failure}`, 'file', null);
      else
        addGenericRows(
          sink,
          withoutOverflow(sink, name, table),
          options,
          stringOption(options, 'fileName') ?? '',
        );
    },
    addPages(sink) {
      sink.quarantine('unexpected-shape', `${name}: a file source has no pages`, 'file', null);
    },
  };
}

export const csvConnector = genericConnector('csv');
export const xlsxConnector = genericConnector('xlsx');
