import type { SourceName } from '#domain/records.ts';
import { costExplorerConnector } from './aws-cost-explorer.ts';
import { azureCostConnector } from './azure-cost.ts';
import { clockifyConnector } from './clockify.ts';
import type { Connector } from './connector.ts';
import { demoConnector } from './demo.ts';
import { focusConnector } from './focus.ts';
import { csvConnector, xlsxConnector } from './generic.ts';
import { jiraConnector } from './jira.ts';
import { quickbooksConnector } from './quickbooks.ts';
import { sapConnector } from './sap.ts';
import { tempoConnector } from './tempo.ts';
import { togglConnector } from './toggl.ts';

/** Every connector, by source name: the one place a new vendor is added. */
export const CONNECTORS: Readonly<Record<SourceName, Connector>> = {
  toggl: togglConnector,
  clockify: clockifyConnector,
  tempo: tempoConnector,
  jira: jiraConnector,
  quickbooks: quickbooksConnector,
  sap: sapConnector,
  'aws-cost-explorer': costExplorerConnector,
  'azure-cost': azureCostConnector,
  focus: focusConnector,
  csv: csvConnector,
  xlsx: xlsxConnector,
  demo: demoConnector,
};

export function connectorFor(source: SourceName): Connector {
  return CONNECTORS[source];
}
