import { seededRandom } from '../support/seeded-random';

export { seededRandom };

/** Splits text into word-sized deltas, as a tokenizer-driven stream would send it. */
export function textDeltas(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Pieces of a tool-argument string, small enough to split keys and values. */
export const ARG_PIECE_CHARS = 7;

export function argPieces(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += ARG_PIECE_CHARS) out.push(args.slice(i, i + ARG_PIECE_CHARS));
  return out;
}

/** Argument text as a sloppy model writes it: single quotes, trailing comma, no closing brace. */
export function corruptJson(json: string): string {
  return json.replace(/"/g, "'").replace(/}$/, ',');
}


/** Splits a body into byte pieces: fixed size, or random sizes from 1 to `RANDOM_SPLIT_MAX`. */
export const RANDOM_SPLIT_MAX = 32;

export function splitBytes(body: Buffer, size: number | 'random', seed = 1): Buffer[] {
  const rnd = seededRandom(seed);
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    const n = size === 'random' ? 1 + Math.floor(rnd() * RANDOM_SPLIT_MAX) : Math.max(1, size);
    out.push(body.subarray(i, i + n));
    i += n;
  }
  return out;
}
