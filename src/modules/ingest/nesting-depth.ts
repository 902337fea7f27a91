/**
 * How deep an event may nest. The processor walks traits and properties recursively, so an event
 * nested thousands of levels deep (it still fits in 32 KB) would overflow its stack on every try
 * and stop processing for everyone: it is refused at the door instead. Real events nest a few
 * levels (an order's products' options).
 */
export const maxNestingDepth = 64;

const quote = 34;
const backslash = 92;
const opening = new Set([91, 123]);
const closing = new Set([93, 125]);

/** How deep a JSON text nests: one pass over its characters, skipping strings. */
export function nestingDepthOf(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < json.length; index += 1) {
    const code = json.charCodeAt(index);
    if (inString) {
      if (code === backslash) index += 1;
      else if (code === quote) inString = false;
    } else if (code === quote) inString = true;
    else if (opening.has(code)) deepest = Math.max(deepest, (depth += 1));
    else if (closing.has(code)) depth -= 1;
  }
  return deepest;
}
