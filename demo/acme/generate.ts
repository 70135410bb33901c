/**
 * Generates the Acme demo tenant's October 2026 source files (deterministic: same output every run).
 * Run: `node demo/acme/generate.ts` (Node 24). The outputs are committed; hand-check them with
 * `settle normalize --source toggl demo/acme/toggl-detailed-2026-10.csv --tz Europe/Berlin --project atlas`.
 *
 * Toggl times are written the way Toggl's detailed CSV export writes them: wall-clock time in the
 * exporter's zone (Europe/Berlin) without an offset. Clocks go back on 2026-10-25 (03:00 CEST →
 * 02:00 CET); one on-call entry spans the change, so its wall-clock span (2 h) differs from its
 * Duration (3 h).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Berlin offset in hours for a UTC instant in October 2026 (DST ends 2026-10-25 01:00 UTC). */
function berlinOffsetHours(utcMs: number): number {
  return utcMs < Date.UTC(2026, 9, 25, 1, 0, 0) ? 2 : 1;
}

function berlinWallClock(utcMs: number): { date: string; time: string } {
  const local = new Date(utcMs + berlinOffsetHours(utcMs) * 3_600_000).toISOString();
  return { date: local.slice(0, 10), time: local.slice(11, 19) };
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

interface Person {
  readonly name: string;
  readonly email: string;
  readonly tasks: readonly string[];
  readonly entriesPerDay: readonly number[];
}

const people: Person[] = [
  {
    name: 'Anna Schmidt',
    email: 'anna.schmidt@acme.example',
    tasks: ['Checkout API', 'Order history service', 'Code review', 'Authentication (SSO)'],
    entriesPerDay: [2, 3],
  },
  {
    name: 'Ben Weber',
    email: 'ben.weber@acme.example',
    tasks: ['Product catalogue frontend', 'Checkout API', 'CI pipeline', 'Code review'],
    entriesPerDay: [2, 3],
  },
  {
    name: 'Chloe Martin',
    email: 'chloe.martin@acme.example',
    tasks: ['Discovery workshops', 'Wireframes', 'Design system', 'Usability test prep'],
    entriesPerDay: [1, 2],
  },
  {
    name: 'David Fischer',
    email: 'david.fischer@acme.example',
    tasks: ['Sprint planning', 'Client status call', 'Backlog grooming', 'Budget tracking'],
    entriesPerDay: [1, 2],
  },
];

const NON_BILLABLE = ['Team sync (internal)', 'Retrospective (internal)'];

function generateToggl(): string {
  const random = prng(20261001);
  const header = [
    'User',
    'Email',
    'Client',
    'Project',
    'Task',
    'Description',
    'Billable',
    'Start date',
    'Start time',
    'End date',
    'End time',
    'Duration',
    'Tags',
  ];
  const rows: string[][] = [];
  const add = (
    person: Person,
    task: string,
    description: string,
    billable: boolean,
    startUtc: number,
    seconds: number,
  ) => {
    const start = berlinWallClock(startUtc);
    const end = berlinWallClock(startUtc + seconds * 1000);
    rows.push([
      person.name,
      person.email,
      'Northwind Retail',
      'Atlas customer portal',
      task,
      description,
      billable ? 'Yes' : 'No',
      start.date,
      start.time,
      end.date,
      end.time,
      clock(seconds),
      billable ? '' : 'internal',
    ]);
  };
  for (let day = 1; day <= 31; day++) {
    const weekday = new Date(Date.UTC(2026, 9, day)).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (const person of people) {
      const [min, max] = person.entriesPerDay as [number, number];
      const count = min + Math.floor(random() * (max - min + 1));
      // Work starts between 08:30 and 09:30 local; entries follow each other with short breaks.
      let localMinutes = 510 + Math.floor(random() * 5) * 15;
      for (let i = 0; i < count; i++) {
        const task = person.tasks[Math.floor(random() * person.tasks.length)] as string;
        const minutes = 60 + Math.floor(random() * 8) * 15;
        const seconds = minutes * 60 + (i === count - 1 ? Math.floor(random() * 50) : 0);
        const utcGuess = Date.UTC(2026, 9, day, 0, localMinutes);
        const startUtc = utcGuess - berlinOffsetHours(utcGuess) * 3_600_000;
        add(
          person,
          task,
          i === 0 ? task : `${task} (${['', 'continued', 'wrap-up'][i]})`,
          true,
          startUtc,
          seconds,
        );
        localMinutes += minutes + 15;
      }
      if (weekday === 1 || weekday === 4) {
        // Mondays and Thursdays: the internal team sync at 08:00, not billable.
        const utcGuess = Date.UTC(2026, 9, day, 8, 0);
        const startUtc = utcGuess - berlinOffsetHours(utcGuess) * 3_600_000;
        add(person, '', NON_BILLABLE[weekday === 1 ? 0 : 1] as string, false, startUtc, 1800);
      }
    }
  }
  // Sunday 2026-10-25: release on-call across the DST change, 01:30 CEST → 03:30 CET = 3 hours.
  const ben = people[1] as Person;
  add(
    ben,
    'Release 1.0 go-live',
    'Production release and smoke tests (on call, DST night)',
    true,
    Date.UTC(2026, 9, 24, 23, 30),
    3 * 3600,
  );
  rows.sort((a, b) => `${a[7]} ${a[8]} ${a[1]}`.localeCompare(`${b[7]} ${b[8]} ${b[1]}`));
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

const quickbooks = {
  QueryResponse: {
    Bill: [
      {
        Id: '1041',
        SyncToken: '0',
        domain: 'QBO',
        DocNumber: 'LUX-2026-118',
        TxnDate: '2026-10-09',
        DueDate: '2026-11-08',
        CurrencyRef: { value: 'EUR', name: 'Euro' },
        VendorRef: { value: '58', name: 'Lumen UX Research GmbH' },
        APAccountRef: { value: '33', name: 'Accounts Payable (A/P) - EUR' },
        PrivateNote: 'Atlas discovery: usability study with 12 participants',
        Line: [
          {
            Id: '1',
            LineNum: 1,
            Description: 'Usability study, 12 moderated sessions incl. recruiting',
            Amount: 11400.0,
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: {
              AccountRef: { value: '71', name: 'Subcontractors' },
              CustomerRef: { value: '12', name: 'Northwind Retail:Atlas customer portal' },
              BillableStatus: 'Billable',
              TaxCodeRef: { value: 'NON' },
            },
          },
          {
            Id: '2',
            LineNum: 2,
            Description: 'Participant incentives (12 × 75.00)',
            Amount: 900.0,
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: {
              AccountRef: { value: '71', name: 'Subcontractors' },
              CustomerRef: { value: '12', name: 'Northwind Retail:Atlas customer portal' },
              BillableStatus: 'Billable',
              TaxCodeRef: { value: 'NON' },
            },
          },
        ],
        TotalAmt: 12300.0,
        Balance: 12300.0,
        ExchangeRate: 1,
        MetaData: { CreateTime: '2026-10-09T10:12:44-07:00', LastUpdatedTime: '2026-10-09T10:12:44-07:00' },
      },
      {
        Id: '1057',
        SyncToken: '1',
        domain: 'QBO',
        DocNumber: 'BSL-26-0412',
        TxnDate: '2026-10-28',
        DueDate: '2026-11-27',
        CurrencyRef: { value: 'EUR', name: 'Euro' },
        VendorRef: { value: '61', name: 'Bastion Security Labs' },
        APAccountRef: { value: '33', name: 'Accounts Payable (A/P) - EUR' },
        PrivateNote: 'Atlas pre-release penetration test',
        Line: [
          {
            Id: '1',
            LineNum: 1,
            Description: 'Web application penetration test, 6 person-days',
            Amount: 8850.0,
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: {
              AccountRef: { value: '71', name: 'Subcontractors' },
              CustomerRef: { value: '12', name: 'Northwind Retail:Atlas customer portal' },
              BillableStatus: 'Billable',
              TaxCodeRef: { value: 'NON' },
            },
          },
          {
            Id: '2',
            LineNum: 2,
            Description: 'Retest of findings',
            Amount: 1175.5,
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: {
              AccountRef: { value: '71', name: 'Subcontractors' },
              CustomerRef: { value: '12', name: 'Northwind Retail:Atlas customer portal' },
              BillableStatus: 'Billable',
              TaxCodeRef: { value: 'NON' },
            },
          },
        ],
        TotalAmt: 10025.5,
        Balance: 10025.5,
        ExchangeRate: 1,
        MetaData: { CreateTime: '2026-10-28T08:03:10-07:00', LastUpdatedTime: '2026-10-29T01:15:37-07:00' },
      },
    ],
    startPosition: 1,
    maxResults: 2,
  },
  time: '2026-11-01T03:12:09.114-07:00',
};

const costExplorer = {
  GroupDefinitions: [
    { Type: 'TAG', Key: 'project' },
    { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
  ],
  ResultsByTime: [
    {
      TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
      Total: {},
      Groups: [
        {
          Keys: ['project$', 'Usage'],
          Metrics: { NetAmortizedCost: { Amount: '212.4471889123', Unit: 'USD' } },
        },
        {
          Keys: ['project$atlas', 'Usage'],
          Metrics: { NetAmortizedCost: { Amount: '1843.2176543219', Unit: 'USD' } },
        },
        {
          Keys: ['project$atlas', 'Credit'],
          Metrics: { NetAmortizedCost: { Amount: '-150.0000000000', Unit: 'USD' } },
        },
        {
          Keys: ['project$atlas', 'Tax'],
          Metrics: { NetAmortizedCost: { Amount: '0.0000004201', Unit: 'USD' } },
        },
      ],
      Estimated: false,
    },
  ],
  DimensionValueAttributes: [],
};

const overheads = [
  'id,date,description,amount,currency,vendor,basis',
  'OH-2026-10-01,2026-10-31,"Office rent share, Berlin office (4 of 20 desks)",3200.00,EUR,Spreeufer Immobilien GmbH,desks',
  'OH-2026-10-02,2026-10-31,Depreciation of team laptops (4 × 1/36 of 2500.00),277.78,EUR,internal,straight-line 36 months',
  'OH-2026-10-03,2026-10-31,"Tooling licences share (Jira, Figma, Toggl)",412.50,EUR,internal,seats',
].join('\n');

const acceptance = [
  'milestone,signed on,signed by,reference,note',
  [
    'm1-discovery',
    '2026-10-16',
    'Maria Lopez (Head of Digital, Northwind Retail)',
    'acceptance/2026-10-16-m1-discovery-signed.pdf',
    'Discovery deliverables (research report, service blueprint, wireframes) accepted without reservations',
  ]
    .map(csvField)
    .join(','),
].join('\n');

writeFileSync(join(here, 'toggl-detailed-2026-10.csv'), generateToggl());
writeFileSync(join(here, 'quickbooks-bills-2026-10.json'), `${JSON.stringify(quickbooks, null, 2)}\n`);
writeFileSync(join(here, 'cost-explorer-2026-10.json'), `${JSON.stringify(costExplorer, null, 2)}\n`);
writeFileSync(join(here, 'overheads-2026-10.csv'), `${overheads}\n`);
writeFileSync(join(here, 'acceptance-2026-10.csv'), `${acceptance}\n`);
