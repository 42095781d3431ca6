/**
 * Words that promise a quality without saying how it is measured. A line that uses one is fine
 * when it also carries a measure (a number: "fast — p95 under 200 ms"); "etc." and friends are
 * always flagged because they leave the list open.
 */
export const VAGUE_WORDS = [
  'fast', 'faster', 'quick', 'quickly', 'slow', 'user-friendly', 'user friendly', 'intuitive',
  'easy', 'easily', 'simple', 'better', 'improved', 'improve', 'efficient', 'efficiently', 'robust',
  'scalable', 'seamless', 'seamlessly', 'nice', 'good', 'modern', 'clean', 'flexible', 'performant',
  'lightweight', 'reasonable', 'appropriate', 'appropriately', 'as needed', 'various', 'optimal',
  'high quality', 'high-quality', 'state of the art', 'blazing', 'snappy', 'smooth',
] as const;

/** Open-ended list markers: flagged with or without a number on the line. */
export const OPEN_ENDED = ['etc', 'and so on', 'and more', 'and similar'] as const;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[ -]/g, '[ -]');

export const VAGUE_RE = new RegExp(`(?<![\\w-])(${VAGUE_WORDS.map(escape).join('|')})(?![\\w-])`, 'gi');
export const OPEN_ENDED_RE = new RegExp(`(?<![\\w-])(${OPEN_ENDED.map(escape).join('|')})(?![\\w-])\\.?`, 'gi');

/** A measure that makes a quality word checkable: any digit, or a spelled-out quantity. */
export const MEASURE_RE = /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|percent|p9\d|p50)\b/i;
