/**
 * Tags RevOps uses to exempt or target accounts in rules ("strategic", "public sector"). A tag is a
 * lower-case word or a few words: letters and digits, joined by single spaces, `_` or `-`, at most 40
 * characters. Every source (dataset column, Stripe metadata, CRM property) writes them as one text
 * separated by `;`.
 */
export const TAG_SEPARATOR = ';';
export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS_PER_CUSTOMER = 20;

const TAG = /^[\p{Ll}\p{Lo}\p{N}]+(?:[ _-][\p{Ll}\p{Lo}\p{N}]+)*$/u;

/** Whether `text` is already a tag as stored (the form rules must use). */
export function isTag(text: string): boolean {
  return text.length <= MAX_TAG_LENGTH && TAG.test(text);
}

/** `"  Public   Sector "` → `"public sector"`; undefined when the text is no tag once normalised. */
export function normaliseTag(text: string): string | undefined {
  const tag = text.trim().toLowerCase().replace(/\s+/g, ' ');
  return isTag(tag) ? tag : undefined;
}

export type ParsedTags = { tags: string[]; rejected: string[] };

/**
 * The tags of a `;`-separated text, normalised, without repeats, in first-seen order; empty parts are
 * skipped and parts that are no tag (or beyond the per-customer limit) are returned as rejected.
 */
export function parseTagList(text: string): ParsedTags {
  const tags: string[] = [];
  const rejected: string[] = [];
  for (const part of text.split(TAG_SEPARATOR)) {
    if (part.trim() === '') continue;
    const tag = normaliseTag(part);
    if (tag === undefined || (tags.length >= MAX_TAGS_PER_CUSTOMER && !tags.includes(tag)))
      rejected.push(part.trim());
    else if (!tags.includes(tag)) tags.push(tag);
  }
  return { tags, rejected };
}
