import * as L from './lexicon';

// Module-local copies of the lexicon: an imported binding may be read through a getter on every
// access once compiled (tsx, webpack), and these are read for every token.
const F = { ...L.F };
const WORD_FLAGS = L.WORD_FLAGS;
const CAPS_NOT_NAMES = L.CAPS_NOT_NAMES;
const COMMON_CAPITALISED = L.COMMON_CAPITALISED;
const COMPARATORS = L.COMPARATORS;
const COUNT_UNITS = L.COUNT_UNITS;
const EMPTY_CLAIM_SUBJECTS = L.EMPTY_CLAIM_SUBJECTS;
const EMPTY_CLAIM_TAILS = L.EMPTY_CLAIM_TAILS;
const EMPTY_CLAIM_VERBS = L.EMPTY_CLAIM_VERBS;
const EXCLUSION_PHRASES = L.EXCLUSION_PHRASES;
const FILE_EXTENSIONS = L.FILE_EXTENSIONS;
const FUNCTION_WORDS = L.FUNCTION_WORDS;
const HTTP_METHODS = L.HTTP_METHODS;
const META_PHRASES = L.META_PHRASES;
const WEAK_META_PHRASES = L.WEAK_META_PHRASES;
const NON_CONTENT_ITEMS = L.NON_CONTENT_ITEMS;
const PLACEHOLDER_TOKENS = L.PLACEHOLDER_TOKENS;
const STRONG_UNITS = L.STRONG_UNITS;
const VAGUE_PHRASES = L.VAGUE_PHRASES;


/**
 * What one item of a spec (a list item, a sentence, a table row) says, read in one left-to-right
 * scan: the concrete things it names, its measures, its observable outcomes, its conditions, and
 * what makes it non-content (placeholders, filler, template instructions, "it works").
 *
 * Linear in the item's length. Delimiters are matched with cached "next position" lookups, so an
 * unmatched backtick or bracket repeated 400,000 times still costs one pass.
 */
export type ItemSignals = {
  words: number;
  /** Words that are not function words, numbers or markup. */
  content: number;
  distinct: number;
  functionWords: number;
  /** Concrete named things: code spans, paths, routes, identifiers, quoted messages, status codes. */
  named: number;
  /** Weaker names: capitalised product names, acronyms, URLs, version numbers. */
  namedWeak: number;
  /** Up to a few of the names, as written (for examples in findings). */
  names: string[];
  /** File-like paths named (for grounding in the repository). */
  paths: string[];
  /** Identifiers in code spans (for grounding). */
  symbols: string[];
  /** 0 none, 1 a counted number ("5 tags"), 2 a bound measure ("under 200 ms", "99.9%"). */
  measure: 0 | 1 | 2;
  observable: boolean;
  modal: boolean;
  condition: boolean;
  /** Given/When/Then parts seen in order (3 = a complete scenario). */
  gwt: number;
  /** Vague words used without any measure or name on the item. */
  vague: string[];
  placeholders: string[];
  clarifications: string[];
  /** Mentions of a clarification marker that are not markers ("No [NEEDS CLARIFICATION] markers remain"). */
  lorem: number;
  mash: number;
  filler: boolean;
  emptyClaim: boolean;
  nonContent: boolean;
  template: boolean;
  generic: boolean;
  question: boolean;
  /** "None — API only", "N/A: no UI", "No UI changes": says the concern does not apply. */
  explicitNone: boolean;
  exclusion: boolean;
  testWords: number;
  testFile: boolean;
  uiWords: number;
  uiStates: string[];
  uiInteractions: string[];
  dependencyWords: number;
  route: boolean;
  statusCode: boolean;
  quotes: number;
  creation: boolean;
};

const MAX_NAMES = 6;
/** Shared empty list: most items name nothing, so their lists are never allocated. Frozen, so a stray push throws. */
const NONE: string[] = Object.freeze([]) as unknown as string[];
type ListKey = 'names' | 'paths' | 'symbols' | 'vague' | 'placeholders' | 'clarifications' | 'uiStates' | 'uiInteractions';
function add(s: ItemSignals, key: ListKey, value: string, max = 1_000, unique = false): void {
  let list = s[key];
  if (list === NONE) {
    list = [];
    s[key] = list;
  }
  if (list.length < max && (!unique || !list.includes(value))) list.push(value);
}
/** Items longer than this are analysed on their first part only (a pathological single item). */
const MAX_ITEM_CHARS = 200_000;

/** `refs`: labels of the document's link reference definitions (`[RFC 192]: https://…`). */
export function analyzeItem(input: string, refs?: ReadonlySet<string>): ItemSignals {
  const text = input.length > MAX_ITEM_CHARS ? input.slice(0, MAX_ITEM_CHARS) : input;
  const s: ItemSignals = {
    words: 0,
    content: 0,
    distinct: 0,
    functionWords: 0,
    named: 0,
    namedWeak: 0,
    names: NONE,
    paths: NONE,
    symbols: NONE,
    measure: 0,
    observable: false,
    modal: false,
    condition: false,
    gwt: 0,
    vague: NONE,
    placeholders: NONE,
    clarifications: NONE,
    lorem: 0,
    mash: 0,
    filler: false,
    emptyClaim: false,
    nonContent: false,
    template: false,
    generic: false,
    question: false,
    explicitNone: false,
    exclusion: false,
    testWords: 0,
    testFile: false,
    uiWords: 0,
    uiStates: NONE,
    uiInteractions: NONE,
    dependencyWords: 0,
    route: false,
    statusCode: false,
    quotes: 0,
    creation: false,
  };

  // Pass 1: code spans, clarification markers, placeholders, quotes and link targets are cut out
  // of the prose (replaced by spaces) and recorded.
  const prose = extractSpans(text, s, refs);

  // Pass 2: tokens of the prose.
  const reading = readProse(prose, s);
  finish(text, reading, s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Pass 1

/** Cached "next index of ch at or after from" so unmatched openers never rescan the text. */
class NextIndex {
  private chars = '';
  private pos: number[] = [];
  constructor(private readonly text: string) {}
  find(ch: string, from: number): number {
    let k = this.chars.indexOf(ch);
    if (k < 0) {
      this.chars += ch;
      this.pos.push(-2);
      k = this.pos.length - 1;
    }
    const cached = this.pos[k];
    if (cached !== -2 && (cached === -1 || cached >= from)) return cached;
    const found = this.text.indexOf(ch, from);
    this.pos[k] = found;
    return found;
  }
}

function extractSpans(text: string, s: ItemSignals, refs?: ReadonlySet<string>): string {
  // Most items have no delimiter at all: skip the scan.
  if (!hasDelimiter(text)) return text;
  const next = new NextIndex(text);
  let out = '';
  let i = 0;
  const n = text.length;
  let lastCopy = 0;
  const cut = (from: number, to: number) => {
    out += text.slice(lastCopy, from) + ' ';
    lastCopy = to;
  };
  while (i < n) {
    const c = text[i];
    if (c === '`') {
      let run = 1;
      while (i + run < n && text[i + run] === '`') run++;
      const close = next.find('`', i + run);
      if (close < 0) {
        i += run;
        continue;
      }
      let closeRun = 1;
      while (close + closeRun < n && text[close + closeRun] === '`') closeRun++;
      const inner = text.slice(i + run, close).trim();
      codeSpan(inner, s);
      cut(i, close + closeRun);
      i = close + closeRun;
      continue;
    }
    if (c === '[') {
      const close = next.find(']', i + 1);
      if (close > i && close - i <= 400) {
        const inner = text.slice(i + 1, close);
        const after = text[close + 1];
        if (after === '(') {
          // A Markdown link: the text stays prose, the target is a (weak) name.
          const end = next.find(')', close + 2);
          if (end > 0 && end - close < 600) {
            const target = text.slice(close + 2, end).trim();
            if (target.startsWith('http')) addName(s, target, false);
            else if (target && !target.startsWith('#')) pathName(target, s, true);
            // A link to an anchor of the same document (a table of contents) says nothing itself.
            out += text.slice(lastCopy, i) + ' ' + (target.startsWith('#') ? '' : inner) + ' ';
            lastCopy = end + 1;
            i = end + 1;
            continue;
          }
        }
        const upper = inner.trim().toUpperCase();
        if (upper.startsWith('NEEDS CLARIFICATION')) {
          // "No [NEEDS CLARIFICATION] markers remain" mentions the marker; it is not one.
          if (!isClarificationMention(text, inner)) add(s, 'clarifications', `[${inner.trim()}]`);
          cut(i, close + 1);
          i = close + 1;
          continue;
        }
        // "[Existing Rule] If the request…": a tag before a sentence, not a blank to fill in.
        const leadingTag = isBlankBefore(text, i) && n - close > 20;
        if (after !== '[' && after !== ':' && !leadingTag && !inner.includes('[') && !(refs && refs.has(inner.trim().toLowerCase())) && isPlaceholderBracket(inner)) {
          add(s, 'placeholders', `[${clip(inner.trim(), 60)}]`);
          cut(i, close + 1);
          i = close + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    if (c === '<' && i + 1 < n && isAsciiLetter(text[i + 1])) {
      const close = next.find('>', i + 1);
      if (close > i && close - i <= 80) {
        const inner = text.slice(i + 1, close);
        if (inner.includes(' ') && isWordsOnly(inner)) {
          add(s, 'placeholders', `<${clip(inner, 60)}>`);
          cut(i, close + 1);
          i = close + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    if (c === '{' && i + 1 < n && text[i + 1] !== '{') {
      const close = next.find('}', i + 1);
      if (close > i && close - i <= 80) {
        const inner = text.slice(i + 1, close);
        if (inner.includes(' ') && isWordsOnly(inner)) {
          add(s, 'placeholders', `{${clip(inner, 60)}}`);
          cut(i, close + 1);
          i = close + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    if (c === '"' || c === '“') {
      const closer = c === '"' ? '"' : '”';
      const close = next.find(closer, i + 1);
      if (close > i + 2 && close - i <= 300) {
        const inner = text.slice(i + 1, close);
        if (hasWordChar(inner) && !isPlaceholderText(inner)) {
          s.quotes++;
          // An exact message or label ("Check your inbox") is concrete; a scare-quoted word is not.
          if (inner.trim().includes(' ') || inner.length > 12) s.named++;
          addName(s, `"${clip(inner, 60)}"`, true);
        }
        // The quoted words stay prose (a message is also words), only the quote marks go.
        i = close + 1;
        continue;
      }
    }
    i++;
  }
  return out + text.slice(lastCopy);
}

function hasDelimiter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // ` [ < { " “
    if (c === 96 || c === 91 || c === 60 || c === 123 || c === 34 || c === 0x201c) return true;
  }
  return false;
}

/**
 * A bare `[NEEDS CLARIFICATION]` (no question after it) in a sentence about markers — "No [NEEDS
 * CLARIFICATION] markers remain", "detects [NEEDS CLARIFICATION]" — names the marker; it is not
 * an open question. A marker with a question (`[NEEDS CLARIFICATION: …]`) is always open.
 */
export function isClarificationMention(line: string, inner: string): boolean {
  const rest = inner.trim().slice('NEEDS CLARIFICATION'.length).trim();
  if (rest.length > 0) return false;
  const lower = line.toLowerCase();
  for (const w of MENTION_WORDS) if (lower.includes(w)) return true;
  return false;
}
const MENTION_WORDS = ['no [', 'none', 'remain', 'resolv', 'zero', 'without', 'marker', 'max ', 'maximum', 'blocker', 'detect', 'explain', 'identif', 'present', 'contain', 'scan', 'warn', 'flag', 'check', 'replac', 'unresolved', '`[needs', '"[needs'];

function codeSpan(inner: string, s: ItemSignals): void {
  if (!inner) return;
  if (isPlaceholderText(inner)) {
    add(s, 'placeholders', `\`${clip(inner, 60)}\``);
    return;
  }
  s.named++;
  addName(s, `\`${clip(inner, 80)}\``, false);
  // A path or a file inside a code span.
  const first = inner.split(' ')[0];
  if (looksLikePath(first)) addUnique(s, 'paths', stripPathPunct(first), 40);
  else if (inner.length <= 80 && !inner.includes(' ')) {
    const ident = identifierCore(inner);
    if (ident) addUnique(s, 'symbols', ident, 40);
  }
  if (inner.startsWith('/') || inner.includes(' /')) s.route = true;
  const lower = inner.toLowerCase();
  if (lower.includes('test') || lower.includes('spec.')) s.testFile = s.testFile || looksLikePath(first) || lower.startsWith('npm test') || lower.includes(' test');
}

/** `[FEATURE NAME]`, `[initial state]`, `[e.g., "allow users to create accounts"]`, `[DATE]`. */
function isPlaceholderBracket(inner: string): boolean {
  const t = inner.trim();
  if (!t) return false;
  // Task checkboxes, Spec Kit tags and ids, footnotes, alerts, citations: not placeholders.
  if (t.length === 1) return t === '.' || t === '…' || t === 'X' || t === 'N';
  const lowerAll = t.toLowerCase();
  if (lowerAll.includes('e.g.') || lowerAll.includes('e.g,') || lowerAll.includes('for example') || lowerAll.includes('such as')) return true;
  if (t.startsWith('^') || t.startsWith('!') || t.startsWith('@')) return false;
  if (isIdLike(t)) return false;
  // "[RFC 192]", "[kubernetes/enhancements]", "[1000 \times 50]": references and formulas.
  if (!t.includes('###') && !t.includes('XXX') && !t.toLowerCase().startsWith('e.g') && (hasDigit(t) || t.includes('/') || t.includes('\\') || t.includes('://'))) return false;
  if (t === '...' || t === '…' || t === 'TBD' || t === 'TODO') return true;
  const lower = t.toLowerCase();
  if (lower.startsWith('e.g') || lower.includes('e.g.,') || lower.startsWith('example') || lower.startsWith('insert') || lower.startsWith('describe') || lower.startsWith('add ') || lower.startsWith('your ') || lower.startsWith('brief ') || lower.startsWith('name')) return true;
  // ALL-CAPS words ("FEATURE NAME", "DATE", "###-feature-name" left as is).
  let letters = 0;
  let upper = 0;
  let spaces = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === ' ') spaces++;
    else if (ch.toLowerCase() !== ch.toUpperCase()) {
      letters++;
      if (ch === ch.toUpperCase()) upper++;
    }
  }
  if (t.includes('###') || t.includes('XXX') || t.includes('NNN')) return true;
  if (letters >= 3 && upper === letters) return true;
  // Prose in brackets: "[initial state]", "[Brief Title]", "[Describe this user journey…]".
  return spaces >= 1 && letters >= 4 && !t.includes('](') && !t.includes('=') && !t.includes(',') ? true : spaces >= 1 && letters >= 4 && t.includes(',') && lower.includes('e.g');
}

/** `T001`, `US1`, `FR-001`, `P`, `x`, `1`, `2025-01-01`: ids and tags, not placeholders. */
function isIdLike(t: string): boolean {
  if (t.length > 16 || t.includes(' ')) return false;
  let hasDigit = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) hasDigit = true;
    else if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || t[i] === '-' || t[i] === '_' || t[i] === '.')) return false;
  }
  return hasDigit || t.length <= 3;
}

function isPlaceholderText(inner: string): boolean {
  const t = inner.trim();
  if (!t) return true;
  if (t === '...' || t === '…' || t === 'TBD' || t === 'TODO' || t === 'XXX' || t === '???') return true;
  if (t.startsWith('<') && t.endsWith('>') && t.length < 40) {
    // `<package>`, `<test coverage>`, `<feature-name>`; not generics such as `<T>` or `<PROJ>`.
    const inner = t.slice(1, -1);
    return inner.length >= 3 && inner === inner.toLowerCase() && isWordsOnly(inner);
  }
  if (t.startsWith('[') && t.endsWith(']') && t.includes(' ') && !hasDigit(t)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Pass 2: one fused scan that cuts tokens and reads them (one Map lookup per word).

/** Punctuation trimmed off a token's ends: ( ) [ ] { } , ; : ! ? . * _ ~ " ' “ ” ‘ ’ « » ` | > < */
function isStrip(c: number): boolean {
  switch (c) {
    case 40: case 41: case 91: case 93: case 123: case 125: case 44: case 59: case 58: case 33: case 63: case 46: case 42:
    case 95: case 126: case 34: case 39: case 0x201c: case 0x201d: case 0x2018: case 0x2019: case 0xab: case 0xbb: case 96:
    case 124: case 62: case 60:
      return true;
    default:
      return false;
  }
}
/** Leading marks kept when a digit or a path follows: < > ≤ ≥ ~ - + $ . / */
function isKeepLeading(c: number): boolean {
  return c === 60 || c === 62 || c === 0x2264 || c === 0x2265 || c === 126 || c === 45 || c === 43 || c === 36 || c === 46 || c === 47;
}

/** Scratch set of an item's distinct words, reused (items are analysed one at a time). */
const SEEN = new Set<string>();

/** What pass 2 hands to `finish`: the few token facts that need the whole item. */
type Reading = { firstLower: string; secondPerson: boolean; shouldExplain: boolean; meta: boolean; weakMeta: boolean; metaEarly: boolean; modalEarly: boolean; instructionEarly: boolean; shortJoin: string; tokenCount: number; genericWords: number; contentForGeneric: number };

/** One Reading, reset per item: items are read one at a time. */
const READING: Reading = { firstLower: '', secondPerson: false, shouldExplain: false, meta: false, weakMeta: false, metaEarly: false, modalEarly: false, instructionEarly: false, shortJoin: '', tokenCount: 0, genericWords: 0, contentForGeneric: 0 };

function readProse(prose: string, s: ItemSignals): Reading {
  const r = READING;
  r.firstLower = '';
  r.secondPerson = r.shouldExplain = r.meta = r.weakMeta = r.metaEarly = r.modalEarly = r.instructionEarly = false;
  r.shortJoin = '';
  r.tokenCount = r.genericWords = r.contentForGeneric = 0;
  const seen = SEEN;
  seen.clear();
  let gwtState = 0;
  let conditionOpen = false;
  let claim = false;
  let claimPending = false;
  let prevLower = '';
  let prevFlags = 0;
  let prev2Lower = '';
  let pendingBigram = '';
  let lastNumberIdx = -10;
  let numberKind: 0 | 1 | 2 = 0;
  let sentenceStart = true;
  let idx = -1;
  let nextLowerCache = '';
  const n = prose.length;
  let i = 0;
  // Tokens are cut one ahead so a number can look at the next word ("200 ms", "404 Not Found").
  // The cut token lives in three variables, not an object: a 20 MB spec has millions of tokens.
  let tCore = '';
  let tStart = false;
  let have = nextToken();
  let nextLower = have ? tCore.toLowerCase() : '';
  while (have) {
    const core = tCore;
    const tokSentenceStart = tStart;
    const lower = nextLower;
    have = nextToken();
    nextLower = have ? tCore.toLowerCase() : '';
    nextLowerCache = nextLower;
    const pendingTok = have;
    idx++;
    r.tokenCount++;
    if (idx === 0) r.firstLower = lower;
    if (idx < 6) r.shortJoin += (idx ? '_' : '') + lower;

    // Multi-word phrases: only when the previous word can start one.
    if (prevFlags & F.phraseHead) {
      const bigram = `${prevLower}_${lower}`;
      phrase(bigram, s, r);
      if (EMPTY_CLAIM_SUBJECTS.has(prevLower) && EMPTY_CLAIM_VERBS.has(lower)) claimPending = true;
      if (pendingBigram) phrase(`${pendingBigram}_${lower}`, s, r);
      pendingBigram = (WORD_FLAGS.get(bigram) ?? 0) & F.phraseHead ? bigram : '';
    } else {
      pendingBigram = '';
      if ((prevFlags & F.claimSubject) && EMPTY_CLAIM_VERBS.has(lower)) claimPending = true;
    }
    if (claimPending && !EMPTY_CLAIM_VERBS.has(lower)) {
      // "it works fine", "it works 100% of the time", "it works as expected" — but not "it works with cgroups v2".
      const c0 = lower.charCodeAt(0);
      if (EMPTY_CLAIM_TAILS.has(lower) || (c0 >= 48 && c0 <= 57) || lower === 'as' || lower === 'every' || lower === 'all' || lower === 'always' || lower === 'reliably') claim = true;
      claimPending = false;
    }

    const c0 = core.charCodeAt(0);
    // Placeholder tokens start with a capital, '?', '$' or '#': skip the lookup for the rest.
    if (((c0 >= 65 && c0 <= 90) || c0 === 63 || c0 === 36 || c0 === 35) && PLACEHOLDER_TOKENS.has(core)) {
      add(s, 'placeholders', core);
      prev2Lower = prevLower;
      prevLower = lower;
      prevFlags = 0;
      continue;
    }

    const first = core.charCodeAt(0);
    const isDigitStart = first >= 48 && first <= 57;
    const symbolicNumber = (core[0] === '<' || core[0] === '>' || core[0] === '≤' || core[0] === '≥' || core[0] === '~' || core[0] === '+') && core.length > 1 && isDigit(core.charCodeAt(core[1] === '=' ? 2 : 1));
    if (isDigitStart || symbolicNumber || (core[0] === '-' && core.length > 1 && isDigit(core.charCodeAt(1)))) {
      s.words++;
      const kind = numberToken(core, prevLower, prev2Lower, nextLowerCache, s, symbolicNumber);
      if (kind > 0) {
        lastNumberIdx = idx;
        numberKind = kind;
        if (kind > s.measure) s.measure = kind;
      }
      prev2Lower = prevLower;
      prevLower = lower;
      prevFlags = 0;
      continue;
    }
    const flags = WORD_FLAGS.get(lower) ?? 0;
    if (idx - lastNumberIdx === 1 && numberKind === 1 && flags & F.strongUnit) s.measure = 2;
    // "exactly one commit", "at most three retries", "two tags".
    if (flags & F.numberWord && ((prevFlags & F.comparator) !== 0 || prevLower === 'exactly' || (WORD_FLAGS.get(nextLowerCache) ?? 0) & (F.countUnit | F.strongUnit))) {
      const kind: 1 | 2 = (prevFlags & F.comparator) !== 0 || prevLower === 'exactly' || ((WORD_FLAGS.get(nextLowerCache) ?? 0) & F.strongUnit) !== 0 ? 2 : 1;
      if (kind > s.measure) s.measure = kind;
      lastNumberIdx = idx;
      numberKind = kind;
    }

    if (first === 104 && (core.startsWith('http://') || core.startsWith('https://'))) {
      s.namedWeak++;
      addName(s, core, false);
      if (core.includes('...') || core.includes('…')) add(s, 'placeholders', clip(core, 60));
      prev2Lower = prevLower;
      prevLower = '';
      prevFlags = 0;
      continue;
    }
    if (first === 47 && core.length > 1 && (isAsciiLetter(core[1]) || core[1] === '{' || core[1] === ':')) {
      s.route = true;
      s.named++;
      addName(s, core, false);
      addUnique(s, 'paths', core.slice(1), 40);
      prev2Lower = prevLower;
      prevLower = '';
      prevFlags = 0;
      continue;
    }
    if (nextLowerCache.startsWith('/') && HTTP_METHODS.has(core)) {
      s.route = true;
      s.observable = true;
    }
    if ((core.includes('/') || core.includes('.') || core.includes('\\')) && looksLikePath(core)) {
      pathName(core, s, false);
      prev2Lower = prevLower;
      prevLower = '';
      prevFlags = 0;
      continue;
    }
    if (first === 45 && core.length > 3 && core[1] === '-' && isAsciiLetter(core[2])) {
      s.named++;
      addName(s, core, false);
      prev2Lower = prevLower;
      prevLower = lower;
      prevFlags = 0;
      continue;
    }
    const ident = flags === 0 ? identifierKind(core) : undefined;
    if (ident === 'strong') {
      s.named++;
      s.words++;
      addName(s, core, false);
      addUnique(s, 'symbols', identifierCore(core) ?? core, 40);
      prev2Lower = prevLower;
      prevLower = lower;
      prevFlags = 0;
      continue;
    }
    if (!hasWordChar(core)) {
      prev2Lower = prevLower;
      prevLower = '';
      prevFlags = 0;
      continue;
    }

    // Words.
    s.words++;
    if (flags & F.function) s.functionWords++;
    else {
      // Distinct content words (function words repeat in any prose): for the repetition check.
      if (!seen.has(lower)) {
        seen.add(lower);
        s.distinct++;
      }
      s.content++;
      r.contentForGeneric++;
      if (flags & (F.generic | F.vague)) r.genericWords++;
    }
    if (ident === 'weak') {
      s.namedWeak++;
      addName(s, core, true);
    } else if (!tokSentenceStart && idx > 0 && isCapitalised(core) && !COMMON_CAPITALISED.has(core) && !(flags & F.function)) {
      s.namedWeak++;
    }
    if (flags !== 0) {
      if (flags & F.lorem) s.lorem++;
      if (flags & F.mash) s.mash++;
      if (flags & F.vague) pushVague(s, lower);
      if (flags & F.observable) s.observable = true;
      if (flags & F.modal) {
        s.modal = true;
        if ((lower === 'should' || lower === 'must') && pendingTok && (WORD_FLAGS.get(nextLowerCache) ?? 0) & F.instruction) r.shouldExplain = true;
      }
      if (flags & F.test) s.testWords++;
      if (flags & F.ui) s.uiWords++;
      if (flags & F.uiState) addUnique(s, 'uiStates', lower, 12);
      if (flags & F.uiInteraction) addUnique(s, 'uiInteractions', lower, 12);
      if (flags & F.dependency) s.dependencyWords++;
      if (flags & F.meta) r.meta = true;
      if (flags & F.weakMeta) r.weakMeta = true;
      if (idx < 4 && flags & F.instruction) r.instructionEarly = true;
      if (idx < 5 && flags & F.modal && (lower === 'should' || lower === 'must' || lower === 'can' || lower === 'may')) r.modalEarly = true;
      if (flags & F.secondPerson) r.secondPerson = true;
      if (flags & F.creation) s.creation = true;
      if (idx === 0 && flags & F.exclusionOpener) s.exclusion = true;
      if (flags & F.condition) conditionOpen = true;
      if (flags & F.gwt) {
        if (lower === 'given' && gwtState === 0) gwtState = 1;
        else if (lower === 'when' && gwtState <= 1) gwtState = gwtState === 1 ? 2 : 1.5;
        else if (lower === 'then' && (gwtState === 2 || gwtState === 1.5)) gwtState = gwtState === 2 ? 3 : 2.5;
      }
    } else if (isMash(lower)) s.mash++;
    if (lower === '→' || lower === '->' || lower === '=>' || lower === '⇒') s.condition = true;
    if (idx === 0 && lower === 'scenario') conditionOpen = true;
    prev2Lower = prevLower;
    prevLower = lower;
    prevFlags = flags;
  }
  if (claimPending) claim = true;
  s.gwt = gwtState >= 3 ? 3 : gwtState >= 2 ? 2 : gwtState >= 1 ? 1 : 0;
  if (s.gwt >= 2 || (conditionOpen && (s.observable || s.modal))) s.condition = true;
  if (claim) {
    // "It works", "everything works fine", "it works 100% of the time": nothing to check.
    if (s.content - 2 < 3 && s.named === 0) s.emptyClaim = true;
    else pushVague(s, 'it works');
  }
  return r;

  function nextToken(): boolean {
    for (;;) {
      while (i < n && isSpace(prose.charCodeAt(i))) i++;
      if (i >= n) return false;
      let j = i;
      while (j < n && !isSpace(prose.charCodeAt(j))) j++;
      // Work on indices into the prose; only the trimmed core is sliced out.
      const rawStart = i;
      const rawEnd = j - i > 300 ? i + 300 : j;
      i = j;
      let a = rawStart;
      let b = rawEnd;
      while (a < b && isStrip(prose.charCodeAt(a)) && !(isKeepLeading(prose.charCodeAt(a)) && a + 1 < b && isDigitOrSlashStart(prose, a))) a++;
      while (b > a && isStrip(prose.charCodeAt(b - 1)) && !(prose.charCodeAt(b - 1) === 41 && b - a > 2 && prose.charCodeAt(b - 2) === 40)) b--;
      const start = sentenceStart;
      const last = prose.charCodeAt(rawEnd - 1);
      sentenceStart = last === 46 || last === 63 || last === 33 || last === 58;
      if (a >= b) {
        for (let k = rawStart; k < rawEnd; k++) {
          const c = prose.charCodeAt(k);
          if (c === 46 || c === 63 || c === 33) sentenceStart = true;
        }
        continue;
      }
      tCore = prose.slice(a, b);
      tStart = start;
      return true;
    }
  }
}

function phrase(key: string, s: ItemSignals, r: Reading): void {
  if (VAGUE_PHRASES.has(key)) pushVague(s, key.split('_').join(' '));
  if (EXCLUSION_PHRASES.has(key)) s.exclusion = true;
  if (META_PHRASES.has(key)) {
    r.meta = true;
    if (r.tokenCount <= 3) r.metaEarly = true;
  }
  if (WEAK_META_PHRASES.has(key)) r.weakMeta = true;
}

function isDigitOrSlashStart(raw: string, a: number): boolean {
  const next = raw.charCodeAt(a + 1);
  return (next >= 48 && next <= 57) || (raw[a] === '/' && isAsciiLetter(raw[a + 1] ?? '')) || (raw[a] === '.' && raw[a + 1] === '/') || (raw[a] === '-' && raw[a + 1] === '-');
}

const ORDINAL_LABELS = new Set(['story', 'phase', 'step', 'part', 'section', 'stage', 'milestone', 'version', 'v', 'chapter', 'item', 'option', 'wave', 'round', 'figure', 'fig', 'table', 'case', 'example', 'scenario', 'task', 'issue', 'pr', 'rfc', 'kep', 'iteration', 'sprint', 'week', 'day', 'level', 'tier', 'group', 'container', 'pod', 'node', 'rule', 'question', 'q', 'priority', 'p', 'us', 'fr', 'sc', 'number', 'no', '#', 'line', 'lines', 'release', 'go', 'python', 'node.js', 'java', 'kubernetes', 'alpha', 'beta', 'ga']);

/** Classifies a number token: 2 = bound measure, 1 = counted, 0 = an id, a year or a date. */
function numberToken(core: string, prev: string, prev2: string, next: string, s: ItemSignals, symbolic: boolean): 0 | 1 | 2 {
  let i = 0;
  let lead = '';
  while (i < core.length && !isDigit(core.charCodeAt(i))) lead += core[i++];
  let digits = '';
  let dots = 0;
  let dashes = 0;
  while (i < core.length) {
    const c = core[i];
    if (isDigit(core.charCodeAt(i))) digits += c;
    else if (c === '.' || c === ',') {
      if (c === '.') dots++;
    } else if (c === '-' || c === '/') dashes++;
    else break;
    i++;
  }
  const suffix = core.slice(i).toLowerCase();
  if (dashes >= 2 && !suffix) return 0; // a date
  if (dots >= 2) {
    s.namedWeak++; // a version number
    return 0;
  }
  const value = Number(digits);
  // HTTP status and exit codes are names of observable outcomes.
  if (!suffix && digits.length === 3 && value >= 100 && value <= 599 && (prev === 'http' || prev === 'status' || prev === 'code' || prev === 'returns' || prev === 'return' || prev === 'returned' || prev === 'responds' || prev === 'with' || prev === 'error' || prev === 'an' || prev === 'a' || next === 'ok' || next === 'not' || next === 'too' || next === 'error' || next === 'created' || next === 'unauthorized' || next === 'forbidden' || next === 'conflict' || next === 'gone' || next === 'response' || next === 'status')) {
    s.statusCode = true;
    s.observable = true;
    s.named++;
    addName(s, `${prev === 'http' ? 'HTTP ' : ''}${core}`, false);
    return 2;
  }
  if ((prev === 'exit' || prev === 'exits' || prev === 'exited' || (prev2 === 'exit' && prev === 'code') || prev === 'code') && digits.length <= 3 && !suffix) {
    s.statusCode = true;
    s.observable = true;
    s.named++;
    addName(s, `exit ${core}`, false);
    return 2;
  }
  if (suffix && (STRONG_UNITS.has(suffix) || suffix === '%' || suffix.startsWith('%') || suffix === 'x')) return suffix === 'x' ? 1 : 2;
  if (suffix && suffix.length <= 3 && (suffix === 'xx' || suffix === 'k' || suffix === 'm')) return 1;
  if (!suffix && digits.length === 4 && value >= 1900 && value <= 2100 && !COMPARATORS.has(prev)) return 0; // a year
  if (lead === '<' || lead === '>' || lead === '≤' || lead === '≥' || lead === '<=' || lead === '>=' || symbolic) return 2;
  if (COMPARATORS.has(prev) || (prev2 && COMPARATORS.has(prev2) && (prev === 'than' || prev === 'to' || prev === 'most' || prev === 'least'))) return 2;
  if (STRONG_UNITS.has(next) || next === '%' || next === 'percent') return 2;
  if (ORDINAL_LABELS.has(prev)) return 0; // "Story 1", "Phase 2", "step 3"
  if (COUNT_UNITS.has(next) || COUNT_UNITS.has(suffix)) return 1;
  // A bare number counts when it counts something ("12 namespaces"), not as a label.
  if (next.length > 3 && next.endsWith('s') && !FUNCTION_WORDS.has(next)) return 1;
  return 0;
}

function finish(text: string, r: Reading, s: ItemSignals): void {
  s.question = trimEndMarkup(text).endsWith('?');

  const f0 = r.firstLower;
  if (f0 === 'none' || f0 === 'n/a' || f0 === 'na' || f0 === 'nothing' || r.shortJoin.startsWith('no_ui') || r.shortJoin.startsWith('not_applicable') || r.shortJoin.startsWith('no_user_interface') || r.shortJoin.startsWith('no_new_dependencies') || r.shortJoin.startsWith('no_dependencies')) s.explicitNone = true;
  // Whole-item non-content: "None", "N/A", "TBD", "-", "…".
  if (r.tokenCount === 0 || (r.tokenCount <= 6 && NON_CONTENT_ITEMS.has(r.shortJoin))) s.nonContent = true;
  else if (r.tokenCount <= 3 && NON_CONTENT_ITEMS.has(r.firstLower) && s.named === 0 && s.content <= 2) s.nonContent = true;
  if (s.content === 0 && s.named === 0 && s.measure === 0) s.nonContent = true;
  // A table-of-contents entry: "[Title](#anchor)", nested brackets and all.
  if (text.charCodeAt(0) === 91 && text.endsWith(')') && text.lastIndexOf('](#') > 0) {
    s.nonContent = true;
    s.placeholders = NONE;
  }

  // Template instructions left in place: an instruction verb or "you", plus words about the
  // document ("this section", "e.g.", "if applicable"), and nothing concrete.
  if (s.named === 0) {
    const instruction = ((WORD_FLAGS.get(r.firstLower) ?? 0) & F.instruction) !== 0;
    if (
      (r.meta && (instruction || r.instructionEarly || r.secondPerson || r.shouldExplain || s.question)) ||
      (r.metaEarly && r.modalEarly) ||
      // "If applicable, describe …", "Explain … as if you were …": advice to the author.
      (r.weakMeta && r.secondPerson && r.instructionEarly) ||
      (r.weakMeta && instruction && s.namedWeak === 0 && !s.observable && s.placeholders.length > 0) ||
      (instruction && r.secondPerson && !isStoryLike(text)) ||
      (instruction && s.placeholders.length > 0)
    ) s.template = true;
  }

  // Filler: lorem ipsum, keyboard mashing, one word repeated, word soup without function words.
  if (s.content > 0) {
    if (s.lorem >= 2 && s.lorem * 4 >= s.content) s.filler = true;
    if (s.mash >= 2 && s.mash * 4 >= s.content) s.filler = true;
    if (s.content >= 6 && s.distinct * 100 < s.content * 35 && s.named * 10 < s.words) s.filler = true;
    // Word soup: a long run without function words, names or list punctuation (a real
    // enumeration has commas or capitalised names).
    if (s.words >= 12 && s.functionWords * 100 < s.words * 4 && s.named === 0 && s.measure === 0 && s.namedWeak * 5 < s.words && !hasListPunctuation(text) && isMostlyLatin(text)) s.filler = true;
  }

  // Generic: nothing but the nouns of a template ("Primary objectives and desired outcomes").
  if (!s.filler && s.named === 0 && s.measure === 0 && s.content >= 2 && r.contentForGeneric > 0 && r.genericWords * 100 >= r.contentForGeneric * 75) s.generic = true;

  // A measure or a name redeems a vague word ("fast: p95 under 200 ms").
  if ((s.measure === 2 || s.named > 0) && s.vague !== NONE) s.vague = s.vague.includes('it works') ? ['it works'] : NONE;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function pushVague(s: ItemSignals, word: string): void {
  add(s, 'vague', word, 8, true);
}

function addName(s: ItemSignals, name: string, weak: boolean): void {
  add(s, 'names', name, MAX_NAMES, true);
  void weak;
}

function addUnique(s: ItemSignals, key: ListKey, value: string, max: number): void {
  add(s, key, value, max, true);
}

function pathName(core: string, s: ItemSignals, fromLink: boolean): void {
  const p = stripPathPunct(core);
  if (!p) return;
  if (!fromLink) s.named++;
  else s.namedWeak++;
  addName(s, p, false);
  addUnique(s, 'paths', p, 40);
  const lower = p.toLowerCase();
  if (lower.includes('test') || lower.includes('.spec.') || lower.includes('__tests__') || lower.startsWith('e2e/') || lower.includes('/e2e/')) s.testFile = true;
}

const COMMON_DIRS = new Set(['src', 'lib', 'app', 'apps', 'test', 'tests', 'docs', 'doc', 'server', 'client', 'api', 'cmd', 'pkg', 'internal', 'components', 'pages', 'scripts', 'bin', 'config', 'e2e', 'spec', 'specs', 'packages', 'web', 'backend', 'frontend', 'db', 'migrations', 'jobs', 'public', 'assets', 'include', 'crates', 'services', 'modules', 'routes', 'handlers', 'models', 'utils', 'hack', 'deploy', 'charts', 'keps', 'text']);

/** `src/app.ts`, `./bin/run`, `docs/`, `main.py`, `Cargo.toml` — not `and/or`, not URLs. */
export function looksLikePath(raw: string): boolean {
  const t = stripPathPunct(raw);
  if (t.length < 3 || t.length > 260) return false;
  if (t.includes('://')) return false;
  let slashes = 0;
  let dotPos = -1;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '/' || c === '\\') slashes++;
    else if (c === '.') dotPos = i;
    else if (c === ' ' || c === '"' || c === '\'' || c === '(' || c === ')') return false;
  }
  if (dotPos > 0 && dotPos < t.length - 1) {
    const ext = t.slice(dotPos + 1).toLowerCase();
    if (FILE_EXTENSIONS.has(ext) && isWordChar(t[dotPos - 1] ?? '')) {
      // "e.g.md" no; "node.js" is a name (handled as identifier) unless it has a slash.
      if (ext === 'js' && slashes === 0 && t.toLowerCase().endsWith('.js') && !t.includes('_') && !t.includes('-') && t.length < 12 && isCapitalised(t)) return false;
      return true;
    }
  }
  if (slashes === 0) return false;
  if (t.startsWith('./') || t.startsWith('../') || t.startsWith('~/')) return true;
  if (slashes >= 2 && !t.startsWith('/')) return true;
  if (t.endsWith('/') && t.length > 2) return true;
  const [head, tail] = t.split('/');
  if (COMMON_DIRS.has(head.toLowerCase()) && tail !== undefined) return true;
  return false;
}

function stripPathPunct(raw: string): string {
  let a = 0;
  let b = raw.length;
  while (a < b && (raw[a] === '`' || raw[a] === '(' || raw[a] === '"' || raw[a] === '\'' || raw[a] === '*')) a++;
  while (b > a && (raw[b - 1] === '`' || raw[b - 1] === ')' || raw[b - 1] === '"' || raw[b - 1] === '\'' || raw[b - 1] === ',' || raw[b - 1] === '.' || raw[b - 1] === ':' || raw[b - 1] === ';' || raw[b - 1] === '*')) b--;
  let out = raw.slice(a, b);
  if (out.startsWith('./')) out = out.slice(2);
  return out;
}

/** camelCase, snake_case, PascalCase with inner capitals, dotted.names, calls(), CONSTANT_CASE. */
function identifierKind(core: string): 'strong' | 'weak' | undefined {
  if (core.length < 2 || core.length > 120) return undefined;
  let lower = 0;
  let upper = 0;
  let innerUpper = 0;
  let underscore = 0;
  let dot = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) {
      upper++;
      if (i > 0 && core.charCodeAt(i - 1) >= 97 && core.charCodeAt(i - 1) <= 122) innerUpper++;
    } else if (c >= 48 && c <= 57) digit++;
    else if (core[i] === '_') underscore++;
    else if (core[i] === '.') dot++;
    else if (core[i] === '(' || core[i] === ')' || core[i] === '-' || core[i] === '$' || core[i] === '#' || core[i] === ':') other++;
    else return undefined;
  }
  if (core.endsWith('()') && lower + upper > 0) return 'strong';
  if (core[0] === '$' && upper > 0) return 'strong';
  if (underscore > 0 && (lower + upper) > 0 && core[0] !== '_' && !core.endsWith('_')) return 'strong';
  if (innerUpper > 0 && lower > 0 && upper >= 2) return 'strong';
  if (innerUpper > 0 && lower > 0 && core.charCodeAt(0) >= 97) return 'strong'; // camelCase
  if (dot > 0 && lower > 0 && !core.startsWith('.') && !core.endsWith('.') && !core.toLowerCase().startsWith('e.g') && !core.toLowerCase().startsWith('i.e') && core.toLowerCase() !== 'etc.') {
    // "auth.requestReset", "os.path", "Node.js": names; "U.S." no.
    const parts = core.split('.');
    if (parts.every((p) => p.length >= 2)) return 'strong';
  }
  if (upper >= 2 && lower === 0 && digit === 0 && underscore === 0 && other === 0 && !CAPS_NOT_NAMES.has(core)) return 'weak'; // acronyms: API, CSV, JSON
  if (upper >= 1 && digit >= 1 && lower === 0 && core.length <= 12 && other <= 1 && !CAPS_NOT_NAMES.has(core) && !(core[0] === 'T' && digit === core.length - 1) && !(core.startsWith('FR') || core.startsWith('SC') || core.startsWith('NFR') || core.startsWith('US'))) return 'weak'; // S3, EC2, HTTP2
  return undefined;
}

function identifierCore(core: string): string | undefined {
  let t = core;
  if (t.endsWith('()')) t = t.slice(0, -2);
  const paren = t.indexOf('(');
  if (paren > 0) t = t.slice(0, paren);
  if (!t || t.length > 80) return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || t[i] === '_' || t[i] === '.' || t[i] === '$')) return undefined;
  }
  return t;
}

function isMash(w: string): boolean {
  // A longish token without any vowel ("sdfghjk") or the same letter 4 times in a row.
  if (w.length < 5) return false;
  let vowels = 0;
  let run = 1;
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if ('aeiouy'.includes(c)) vowels++;
    if (i > 0 && c === w[i - 1]) {
      run++;
      if (run >= 4) return true;
    } else run = 1;
  }
  return vowels === 0 && isAsciiLetter(w[0]);
}

function isMostlyLatin(text: string): boolean {
  let latin = 0;
  let other = 0;
  const n = Math.min(text.length, 2000);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) latin++;
    else if (c > 0x2ff) other++;
  }
  return latin > other * 4;
}

function trimEndMarkup(text: string): string {
  let b = text.length;
  while (b > 0) {
    const c = text[b - 1];
    if (c === ' ' || c === '*' || c === '_' || c === ')' || c === '"' || c === '\'' || c === '”' || c === '\t') b--;
    else break;
  }
  return text.slice(0, b);
}

export function stripEmphasis(w: string): string {
  let a = 0;
  let b = w.length;
  while (a < b && (w[a] === '*' || w[a] === '_')) a++;
  while (b > a && (w[b - 1] === '*' || w[b - 1] === '_')) b--;
  return a === 0 && b === w.length ? w : w.slice(a, b);
}

function isCapitalised(w: string): boolean {
  const c = w.charCodeAt(0);
  return c >= 65 && c <= 90 && w.length > 1 && w.charCodeAt(1) >= 97 && w.charCodeAt(1) <= 122;
}

function hasWordChar(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return true;
    // Letters of other scripts (Latin-1 accents and up), not the general punctuation block.
    if (c >= 0xc0 && !(c >= 0x2000 && c <= 0x2bff) && c !== 0xd7 && c !== 0xf7) return true;
  }
  return false;
}

function hasListPunctuation(text: string): boolean {
  let commas = 0;
  const n = Math.min(text.length, 2000);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 59 || c === 58 || c === 47 || c === 40) commas++;
  }
  return commas >= 2;
}

function isBlankBefore(text: string, i: number): boolean {
  for (let k = 0; k < i; k++) {
    const c = text[k];
    if (c !== ' ' && c !== '*' && c !== '_' && c !== '\t') return false;
  }
  return true;
}

function isStoryLike(text: string): boolean {
  const head = (text.length > 120 ? text.slice(0, 120) : text).toLowerCase();
  return head.includes('as a ') || head.includes('as an ') || head.includes('i want');
}

function isWordsOnly(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || t[i] === '-' || t[i] === '_')) return false;
  }
  return true;
}

function hasDigit(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (isDigit(t.charCodeAt(i))) return true;
  return false;
}

function isWordChar(ch: string): boolean {
  return isAsciiLetter(ch) || isDigit(ch.charCodeAt(0)) || ch === '_' || ch === '-';
}

function isAsciiLetter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 160 || c === 12 || c === 11;
}

export function clip(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
