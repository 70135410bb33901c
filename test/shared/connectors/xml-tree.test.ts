import { describe, expect, it } from 'vitest';
import { attribute, childElements, ownText, parseXml, type XmlElement } from '#connectors/xml-tree.ts';

describe('parseXml', () => {
  it('reads elements, prefixed names, attributes, entities, CDATA and line ends as XML defines them', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\r\n<!-- c --><x:a xmlns:x="urn:x" r:id="r1" t=\'s\' v="1&#10;&amp;\t2"><x:b>A &lt; B &#x4e2d;&#13;\r\nz</x:b><b><![CDATA[<raw> & ]]>tail</b><e/></x:a>',
    );
    expect(root.name).toBe('a');
    expect([attribute(root, 'id'), attribute(root, 't'), attribute(root, 'v')]).toEqual([
      'r1',
      's',
      '1\n& 2',
    ]);
    const [first, second] = childElements(root, 'b') as [XmlElement, XmlElement];
    expect(ownText(first)).toBe('A < B 中\r\nz');
    expect(ownText(second)).toBe('<raw> & tail');
    expect(childElements(root).map((child) => child.name)).toEqual(['b', 'b', 'e']);
  });

  it('hands each closing element to onClose with its parent, and drops it when asked', () => {
    const seen: string[] = [];
    const root = parseXml('<s><d><r n="1"><c/></r><r n="2"/></d><m/></s>', (element, parent) => {
      seen.push(`${element.name}<${parent.name}`);
      return element.name === 'r';
    });
    expect(seen).toEqual(['c<r', 'r<d', 'r<d', 'd<s', 'm<s']);
    expect(childElements(childElements(root, 'd')[0] as XmlElement)).toEqual([]);
    expect(childElements(root, 'm')).toHaveLength(1);
  });

  it.each([
    ['<a><b></a>', 'end tag </a> does not match <b>'],
    ['<a>', 'unclosed element <a>'],
    ['<a>&nbsp;</a>', 'undeclared entity &nbsp;'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'document type declarations are not allowed'],
    ['<a/><b/>', 'more than one root element'],
    ['just text', 'no root element'],
    ['<a/> trailing', 'text after the root element'],
    ['<a b="1></a>', 'malformed tag <a> at offset 0'],
  ])('refuses %s: %s', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
});
