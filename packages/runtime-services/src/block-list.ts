import { HttpError } from './http-kit.js';

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The block ids of a Put Block List body, in order:
 * `<BlockList><Latest>id</Latest>…</BlockList>`. kact keeps no committed blocks apart from the
 * blob, so `Committed`, `Uncommitted` and `Latest` all name blocks staged for this upload.
 */
export function parseBlockList(xml: string): string[] {
  if (!/<BlockList[\s>/]/.test(xml)) throw new HttpError(400, 'the block list is not a <BlockList> XML document');
  const ids: string[] = [];
  for (const match of xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)) {
    ids.push(unescapeXml((match[2] ?? '').trim()));
  }
  return ids;
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (entity, name: string, decimal?: string, hex?: string) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return XML_ENTITIES[name] ?? entity;
  });
}
