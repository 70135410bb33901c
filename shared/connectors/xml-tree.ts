/** XML that is not well-formed enough to read; the message names what and where. */
export class XmlError extends Error {
  override name = 'XmlError';
}

/** An element: its local name (prefix dropped), attributes as written (prefixes kept), children in order. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** A child is an element or a run of character data (entities decoded, CDATA included). */
export type XmlNode = XmlElement | string;

interface OpenElement {
  name: string;
  qualified: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

const NAME = /[^\s/>=]+/y;
const ATTRIBUTE = /\s*([^\s/>=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Called as each element closes, with its parent; returning true drops the element from the parent's
 * children, so a large part (a worksheet's rows) can be read element by element without keeping the tree.
 */
export type OnClose = (element: XmlElement, parent: XmlElement) => boolean;

/**
 * Parses an XML document into a tree: the small subset SpreadsheetML parts use (elements, attributes,
 * character and entity references, CDATA, comments, processing instructions). A document type
 * declaration is refused, so no entity can expand.
 */
export function parseXml(document: string, onClose?: OnClose): XmlElement {
  // End-of-line handling: a parser reads CR LF and lone CR as LF (a CR written as &#13; stays).
  const text = document.includes('\r') ? document.replace(/\r\n?/g, '\n') : document;
  const root: OpenElement = { name: '', qualified: '', attributes: {}, children: [] };
  const stack: OpenElement[] = [root];
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const top = stack[stack.length - 1] as OpenElement;
    if (lt === -1) {
      if (text.slice(at).trim() !== '') {
        throw new XmlError(root.children.length === 0 ? 'no root element' : 'text after the root element');
      }
      break;
    }
    if (lt > at && stack.length > 1) appendText(top, decodeEntities(text.slice(at, lt)));
    if (text.startsWith('<?', lt)) {
      at = skipPast(text, lt, '?>');
    } else if (text.startsWith('<!--', lt)) {
      at = skipPast(text, lt, '-->');
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end === -1) throw new XmlError('unterminated CDATA section');
      if (stack.length > 1) appendText(top, text.slice(lt + 9, end));
      at = end + 3;
    } else if (text.startsWith('<!', lt)) {
      throw new XmlError('document type declarations are not allowed');
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt);
      if (end === -1) throw new XmlError('unterminated end tag');
      const qualified = text.slice(lt + 2, end).trim();
      if (stack.length === 1 || top.qualified !== qualified) {
        throw new XmlError(`end tag </${qualified}> does not match <${top.qualified || '(none)'}>`);
      }
      stack.pop();
      closed(top, stack, onClose);
      at = end + 1;
    } else {
      at = openTag(text, lt, stack, onClose);
    }
  }
  if (stack.length > 1)
    throw new XmlError(`unclosed element <${(stack[stack.length - 1] as OpenElement).qualified}>`);
  const element = root.children.find((child): child is XmlElement => typeof child !== 'string');
  if (!element) throw new XmlError('no root element');
  return element;
}

function closed(element: OpenElement, stack: OpenElement[], onClose: OnClose | undefined): void {
  const parent = stack[stack.length - 1] as OpenElement;
  // The element that just closed is its parent's last child: whatever followed it was inside it.
  if (onClose && stack.length > 1 && onClose(element, parent)) parent.children.pop();
}

function openTag(text: string, lt: number, stack: OpenElement[], onClose: OnClose | undefined): number {
  NAME.lastIndex = lt + 1;
  const name = NAME.exec(text);
  if (!name) throw new XmlError(`malformed tag at offset ${lt}`);
  const qualified = name[0];
  const attributes: Record<string, string> = {};
  let at = NAME.lastIndex;
  for (;;) {
    ATTRIBUTE.lastIndex = at;
    const attribute = ATTRIBUTE.exec(text);
    if (!attribute) break;
    // Attribute-value normalisation: literal tabs and line breaks read as spaces.
    attributes[attribute[1] as string] = decodeEntities(
      (attribute[2] ?? attribute[3] ?? '').replace(/[\t\n\r]/g, ' '),
    );
    at = ATTRIBUTE.lastIndex;
  }
  while (at < text.length && /\s/.test(text[at] as string)) at++;
  const selfClosing = text[at] === '/';
  if (selfClosing) at++;
  if (text[at] !== '>') throw new XmlError(`malformed tag <${qualified}> at offset ${lt}`);
  const colon = qualified.indexOf(':');
  const element: OpenElement = {
    name: colon === -1 ? qualified : qualified.slice(colon + 1),
    qualified,
    attributes,
    children: [],
  };
  const parent = stack[stack.length - 1] as OpenElement;
  if (stack.length === 1 && parent.children.length > 0) throw new XmlError('more than one root element');
  parent.children.push(element);
  if (selfClosing) closed(element, stack, onClose);
  else stack.push(element);
  return at + 1;
}

function skipPast(text: string, from: number, terminator: string): number {
  const end = text.indexOf(terminator, from);
  if (end === -1)
    throw new XmlError(`unterminated ${terminator === '-->' ? 'comment' : 'processing instruction'}`);
  return end + terminator.length;
}

function appendText(element: OpenElement, value: string): void {
  const last = element.children.length - 1;
  if (typeof element.children[last] === 'string') element.children[last] += value;
  else element.children.push(value);
}

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (whole, reference: string) => {
    if (reference.startsWith('#')) {
      const code =
        reference[1] === 'x'
          ? Number.parseInt(reference.slice(2), 16)
          : Number.parseInt(reference.slice(1), 10);
      if (code > 0x10ffff) throw new XmlError(`character reference ${whole} out of range`);
      return String.fromCodePoint(code);
    }
    const named = NAMED[reference];
    if (named === undefined) throw new XmlError(`undeclared entity ${whole}`);
    return named;
  });
}

/** The child elements named `name` (local name). */
export function childElements(element: XmlElement, name?: string): XmlElement[] {
  return element.children.filter(
    (child): child is XmlElement => typeof child !== 'string' && (name === undefined || child.name === name),
  );
}

/** The first child element named `name`, if any. */
export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) if (typeof child !== 'string' && child.name === name) return child;
  return undefined;
}

/** All character data directly inside the element (not in its child elements). */
export function ownText(element: XmlElement): string {
  let text = '';
  for (const child of element.children) if (typeof child === 'string') text += child;
  return text;
}

/** An attribute by local name, with or without a namespace prefix (`r:id` answers `id`). */
export function attribute(element: XmlElement, localName: string): string | undefined {
  const direct = element.attributes[localName];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(element.attributes)) {
    if (key.endsWith(`:${localName}`)) return value;
  }
  return undefined;
}
