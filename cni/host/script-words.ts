import { CniError, ErrorCode } from '../core/errors';

/**
 * The last guard before a name or value is written into a batch script (`ip -batch`, `nft -f`,
 * `iptables-restore`): each of them would read "#", quotes, backslashes or whitespace as syntax,
 * so a word holding one never reaches them. Config and environment checks refuse such input
 * with its own code first (cni/core/safe-names.ts); getting here means a check is missing.
 */
const LITERAL = /^[A-Za-z0-9_.:/@+=,~%-]+$/;

function refuse(word: string): CniError {
  return new CniError(ErrorCode.internal, `refusing to write ${JSON.stringify(word)} into a batch script`, 'a name or value reached the host unchecked');
}

/** The word itself, when every batch parser reads it literally. */
export function literal(word: string | number): string {
  const text = String(word);
  if (!LITERAL.test(text)) throw refuse(text);
  return text;
}

/** One script line from words (ip's batch syntax: words separated by spaces). */
export function scriptLine(...words: Array<string | number>): string {
  return words.map(literal).join(' ');
}

/** A double-quoted string of literal words (nft names and comments, iptables comments). */
export function quoted(text: string): string {
  for (const word of text.split(' ')) literal(word);
  return `"${text}"`;
}
