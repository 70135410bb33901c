// Imported by name, not as a member of `z`: the CLI's JSON-schema tool stays out of the Lambda
// bundles' lean `z` (a function that imported this module would fail to bundle, not fail at run time).
import { toJSONSchema } from 'zod';
import { Charter } from './charter.ts';

/**
 * The charter as JSON Schema (draft 2020-12), generated from the zod schema the product validates
 * with, so the two cannot disagree. Descriptions are attached here by field path and appear in the
 * schema and in the generated reference (docs/charter-reference.md); a described path that no
 * longer exists fails loudly.
 */

/** Descriptions by field path (`sources[].id`): fields share schema instances, so they are set on the output. */
const DESCRIPTIONS: Record<string, string> = {
  schemaVersion: 'Always 1.',
  projectId: 'Stable id of the project: names its settlements, archive and statements.',
  projectRef: 'The project key the source records carry (Jira project, Toggl project, cost tag value…).',
  name: 'Project name on statements and emails.',
  description: 'Free text.',
  settlement:
    'How the project is settled: `periodic` (monthly, `--period YYYY-MM`), `milestone` (`--period milestone:<id>`) or `whole` (`--period final`).',
  counterparty: 'Who the settlement is with: an internal department, a client or a supplier.',
  basis: 'What the settlement is measured against: the contract, the budget or the actuals.',
  contract:
    'Contract type and terms: `fixed-price`, `time-and-materials` or `retainer` (monthly fee, included hours, overage rate); retention and adjustments.',
  currency: 'ISO 4217 code of the statement; every amount without its own currency is in it.',
  schedule: 'Planned start and end (YYYY-MM-DD); months outside it cannot be settled.',
  timeZone:
    'IANA time zone the project’s days are counted in (`Europe/Berlin`, `Asia/Shanghai`): a time entry belongs to the local day it starts on, and file rows with wall-clock times but no offset are read in it unless the source sets `tz`. UTC when omitted.',
  budget: 'Budget lines by role, category, work package or supplier; `atCompletion` (BAC) for earned value.',
  rateCards:
    'Effective-dated cost and bill rates per role or person, each in its own currency (exchange rates in `fxRates`).',
  people: 'Person → role mapping; the charter wins over the role a source reports.',
  indirect:
    'Indirect-cost rules: a pool (a cost category or a fixed amount) allocated by hours, headcount or direct cost.',
  milestones:
    'Milestones with planned dates, planned value, billing amount and the evidence acceptance needs.',
  scope: 'Planned scope (story or function points) and the completion rate required at settlement.',
  thresholds: 'Variance warning / critical percentages and the early-warning EAC overrun.',
  approvers: 'The approval chain; an approver with `minAmount` joins when the amount reaches it.',
  approval: 'Link lifetime, reminder and escalation timings (the tenant’s defaults when omitted).',
  locale: 'Language of this project’s documents and emails (`en` or `zh-CN`); the tenant’s when omitted.',
  businessUnitHeads:
    'Who receives the internal brief after approval (older form of `recipients`, audience `internal`).',
  distribution:
    'Who receives the client statement after approval (older form of `recipients`, audience `client`): never internal cost.',
  recipients:
    'Who receives what after approval: `client` recipients get the client statement (billing, milestones, acceptance, retention; no internal cost), `internal` recipients the full brief; each may set a `locale`.',
  journal:
    'Accounts per category for the accounting journal: `debit` the project cost account, `credit` the clearing account costs not yet in the books are accrued against (labour, overhead, usage); `revenue`, `receivable`, `retention` name the billing accounts.',
  accounting:
    'How the journal meets the books: `bookedSources` (whose costs accounts payable already posted: reclassified to the project, never booked again), revenue-recognition accounts, `tax` rules on billing lines, `accountNames` (QuickBooks imports by name), `projectDimension` (QuickBooks class / SAP WBS element) and `sapCompanyCode`.',
  sources:
    'The data sources: one binding per connector, in `file` mode (a file in --files) or `live` mode (an API).',
  fxRates: 'Dated exchange rates for amounts not in the charter currency.',
  supplierContracts:
    'Supplier contracts: the contract amount, compared with what the supplier invoiced in its category, and `items` at agreed unit prices, compared with actual cost as price and quantity variance by site and by supplier.',
  'supplierContracts[].items':
    'Contract items: `unit`, `unitPrice` (charter currency, exact) and `plannedQuantities` per work package (site). Records of the supplier in the contract’s category are matched to an item by their unit.',
  'supplierContracts[].items[].unitPrice':
    'Agreed price per unit in the charter currency (any number of decimals).',
  'supplierContracts[].items[].plannedQuantities':
    'Planned quantity per work package (site), e.g. `{ "site-01": "120" }`: quantity × unit price is the planned cost.',
  verification: 'Severity of each contract check: `blocking` stops before approval, `warning` is reported.',
  waivers: 'Recorded decisions to accept a failed check: who, why, when, optionally for one period.',
  clauses:
    'The contract’s clauses (inline `items`, or a contract text `file` split by its numbering) and the evidence a person `confirmed` for each; a clause without confirmed, fulfilled evidence is a check (blocking when the clause is).',
  lateEdits:
    'What happens when a record of a settled (locked) period is new, changed or removed at the source later: it is always reported in the next statement; without this object nothing more happens.',
  'lateEdits.mode':
    '`revise`: the nightly run settles the next revision of the locked period, which ends in a credit or debit note; `carryForward`: the difference is carried into the statement being settled as late-edit lines naming the original period. Either way an edit is settled once.',
  'lateEdits.lookBackDays':
    'Live sources only: days the collection asks for before the period, so that records of locked periods edited or deleted at the source since are seen (31, the default, covers the previous month in full; 0 turns it off). File sources report the periods they still hold.',
  'lateEdits.threshold':
    'With `revise`: a difference smaller than this (absolute, charter currency; billing for a client, else cost) is carried forward instead of revising.',
  readiness:
    'When the nightly run may settle a period: a cut-off after its end and what must be final first. Not ready → the settlement ends `waiting` with what is missing and the next night tries again; without this object a period settles the night after it ends.',
  'readiness.settleAfterDays': 'Days after the period’s last day before it is settled (0: the night after).',
  'readiness.approvedTime':
    'Every time entry whose source states approval (Clockify) must be approved; sources that do not state it are named, not checked.',
  'readiness.finalCloudCost':
    'No cost figure the source still marks estimated (Cost Explorer before the month closes).',
  'readiness.files':
    'A file-mode source whose file is not imported makes the period wait instead of failing.',
  'readiness.deadlineDays':
    'Days after the period’s last day from which a waiting settlement is overdue: the operations address is told what is missing, each night.',
  'sources[].id':
    'Unique within the charter; names the source in progress lines, quarantine counts and archives.',
  'sources[].connector': 'Which connector reads it.',
  'sources[].mode': '`file`: read `path` from the files given to `settle run --files`; `live`: call the API.',
  'sources[].path': 'File mode: the file name in the --files folder.',
  'sources[].secret': 'Live mode: the name of the secret holding the credentials (never the credentials).',
  'sources[].options': 'Connector options, see “Connector options” in the README.',
  'approvers[].minAmount': 'Joins the chain when the settlement amount is at least this (charter currency).',
  'approvers[].backup': 'Who is asked when the approver does not answer in time.',
  'approval.timeoutDays': 'Link lifetime and final expiry, in days.',
  'budget.atCompletion': 'Budget at completion (BAC); defaults to the sum of the milestones’ planned values.',
  'milestones[].plannedValue': 'Planned value (budgeted cost of the work) for earned value.',
  'milestones[].billingAmount': 'Billed when the milestone is accepted (fixed-price contracts).',
  'milestones[].requiredEvidence':
    'Evidence types that must be present for the milestone to count as accepted.',
  'clauses.file':
    'A contract text (plain text or Markdown) next to the charter; `settle clauses split` splits it.',
  'clauses.items[].blocking': 'Without confirmed, fulfilled evidence the settlement stops at Verify.',
  'clauses.items[].due': 'Checked from this date on (and at final settlement); shown, not checked, before.',
  'clauses.confirmed':
    'Clause → evidence mappings a person confirmed (`settle clauses confirm`); only these count, never a suggestion.',
  'clauses.confirmed[].evidence':
    '`task:<key>`, `evidence:<reference>`, `milestone:<id>` or `deliverable:<milestone>:<n>`.',
  'clauses.threshold': 'Score below which `settle clauses suggest` says “no match” (default 0.09).',
};

type Node = { description?: string; properties?: Record<string, Node>; items?: Node };

function node(root: Node, path: string): Node | undefined {
  let at: Node | undefined = root;
  for (const part of path.split('.')) {
    const array = part.endsWith('[]');
    at = at?.properties?.[array ? part.slice(0, -2) : part];
    if (array) at = at?.items;
  }
  return at;
}

/** The charter's JSON Schema, as a charter file is written (defaults may be omitted). */
export function charterJsonSchema(): Record<string, unknown> {
  const schema = toJSONSchema(Charter, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  for (const [path, description] of Object.entries(DESCRIPTIONS)) {
    const field = node(schema as Node, path);
    if (!field) throw new Error(`charter schema: no field ${path} to describe`);
    field.description = description;
  }
  return schema;
}
