import { describe, expect, it } from 'vitest';
import { normalizeFile } from '#connectors/index.ts';
import { documentText } from '#connectors/jira.ts';

describe('Jira issue text for clause matching', () => {
  it('flattens an Atlassian Document Format description into lines', () => {
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'OIDC login for ' },
            { type: 'text', text: 'customers' },
          ],
        },
        {
          type: 'bulletList',
          content: [
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: '单点登录' }] }],
            },
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'staff' }] }],
            },
          ],
        },
      ],
    };
    expect(documentText(adf)).toBe('OIDC login for customers\n单点登录\nstaff');
    expect(documentText('plain v2 text')).toBe('plain v2 text');
    expect(documentText(null)).toBeUndefined();
    expect(documentText({ type: 'doc', content: [] })).toBeUndefined();
  });

  it('carries the summary and description on the task record', async () => {
    const page = {
      issues: [
        {
          id: '1',
          key: 'ATL-21',
          fields: {
            summary: 'Checkout API',
            description: {
              type: 'doc',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: '3-D Secure' }] }],
            },
            status: { name: 'Done', statusCategory: { key: 'done' } },
            customfield_10016: 8,
          },
        },
        { id: '2', key: 'ATL-22', fields: { status: { name: 'To Do', statusCategory: { key: 'new' } } } },
      ],
    };
    const result = await normalizeFile('jira', new TextEncoder().encode(JSON.stringify(page)), {
      projectRef: 'atlas',
    });
    expect(result.records.map((r) => (r.kind === 'task' ? [r.key, r.summary, r.description] : []))).toEqual([
      ['ATL-21', 'Checkout API', '3-D Secure'],
      ['ATL-22', undefined, undefined],
    ]);
  });
});
