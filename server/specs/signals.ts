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
// The yes/no signals of an item, one bit each in Signals.bits.
const B_OBSERVABLE = 1 << 0;
const B_MODAL = 1 << 1;
const B_CONDITION = 1 << 2;
const B_FILLER = 1 << 3;
const B_EMPTYCLAIM = 1 << 4;
const B_NONCONTENT = 1 << 5;
const B_TEMPLATE = 1 << 6;
const B_GENERIC = 1 << 7;
const B_QUESTION = 1 << 8;
const B_EXPLICITNONE = 1 << 9;
const B_EXCLUSION = 1 << 10;
const B_TESTFILE = 1 << 11;
const B_ROUTE = 1 << 12;
const B_STATUSCODE = 1 << 13;
const B_CREATION = 1 << 14;

/**
 * An item's signals: the counts and lists as fields, the yes/no signals as bits behind accessors
 * (a 20 MB spec has ~170,000 items alive until it is scored: 15 booleans as fields would be 15
 * words of memory each).
 */
class Signals implements ItemSignals {
  words = 0;
  content = 0;
  distinct = 0;
  functionWords = 0;
  named = 0;
  namedWeak = 0;
  names: string[] = NONE;
  paths: string[] = NONE;
  symbols: string[] = NONE;
  measure: 0 | 1 | 2 = 0;
  gwt = 0;
  vague: string[] = NONE;
  placeholders: string[] = NONE;
  clarifications: string[] = NONE;
  lorem = 0;
  mash = 0;
  testWords = 0;
  uiWords = 0;
  uiStates: string[] = NONE;
  uiInteractions: string[] = NONE;
  dependencyWords = 0;
  quotes = 0;
  bits = 0;
  get observable(): boolean {
    return (this.bits & B_OBSERVABLE) !== 0;
  }
  set observable(on: boolean) {
    this.bits = on ? this.bits | B_OBSERVABLE : this.bits & ~B_OBSERVABLE;
  }
  get modal(): boolean {
    return (this.bits & B_MODAL) !== 0;
  }
  set modal(on: boolean) {
    this.bits = on ? this.bits | B_MODAL : this.bits & ~B_MODAL;
  }
  get condition(): boolean {
    return (this.bits & B_CONDITION) !== 0;
  }
  set condition(on: boolean) {
    this.bits = on ? this.bits | B_CONDITION : this.bits & ~B_CONDITION;
  }
  get filler(): boolean {
    return (this.bits & B_FILLER) !== 0;
  }
  set filler(on: boolean) {
    this.bits = on ? this.bits | B_FILLER : this.bits & ~B_FILLER;
  }
  get emptyClaim(): boolean {
    return (this.bits & B_EMPTYCLAIM) !== 0;
  }
  set emptyClaim(on: boolean) {
    this.bits = on ? this.bits | B_EMPTYCLAIM : this.bits & ~B_EMPTYCLAIM;
  }
  get nonContent(): boolean {
    return (this.bits & B_NONCONTENT) !== 0;
  }
  set nonContent(on: boolean) {
    this.bits = on ? this.bits | B_NONCONTENT : this.bits & ~B_NONCONTENT;
  }
  get template(): boolean {
    return (this.bits & B_TEMPLATE) !== 0;
  }
  set template(on: boolean) {
    this.bits = on ? this.bits | B_TEMPLATE : this.bits & ~B_TEMPLATE;
  }
  get generic(): boolean {
    return (this.bits & B_GENERIC) !== 0;
  }
  set generic(on: boolean) {
    this.bits = on ? this.bits | B_GENERIC : this.bits & ~B_GENERIC;
  }
  get question(): boolean {
    return (this.bits & B_QUESTION) !== 0;
  }
  set question(on: boolean) {
    this.bits = on ? this.bits | B_QUESTION : this.bits & ~B_QUESTION;
  }
  get explicitNone(): boolean {
    return (this.bits & B_EXPLICITNONE) !== 0;
  }
  set explicitNone(on: boolean) {
    this.bits = on ? this.bits | B_EXPLICITNONE : this.bits & ~B_EXPLICITNONE;
  }
  get exclusion(): boolean {
    return (this.bits & B_EXCLUSION) !== 0;
  }
  set exclusion(on: boolean) {
    this.bits = on ? this.bits | B_EXCLUSION : this.bits & ~B_EXCLUSION;
  }
  get testFile(): boolean {
    return (this.bits & B_TESTFILE) !== 0;
  }
  set testFile(on: boolean) {
    this.bits = on ? this.bits | B_TESTFILE : this.bits & ~B_TESTFILE;
  }
  get route(): boolean {
    return (this.bits & B_ROUTE) !== 0;
  }
  set route(on: boolean) {
    this.bits = on ? this.bits | B_ROUTE : this.bits & ~B_ROUTE;
  }
  get statusCode(): boolean {
    return (this.bits & B_STATUSCODE) !== 0;
  }
  set statusCode(on: boolean) {
    this.bits = on ? this.bits | B_STATUSCODE : this.bits & ~B_STATUSCODE;
  }
  get creation(): boolean {
    return (this.bits & B_CREATION) !== 0;
  }
  set creation(on: boolean) {
    this.bits = on ? this.bits | B_CREATION : this.bits & ~B_CREATION;
  }
}

/** Items longer than this are analysed on their first part only (a pathological single item). */
const MAX_ITEM_CHARS = 200_000;

/** `refs`: labels of the document's link reference definitions (`[RFC 192]: https://…`). */
export function analyzeItem(input: string, refs?: ReadonlySet<string>): ItemSignals {
  const text = input.length > MAX_ITEM_CHARS ? input.slice(0, MAX_ITEM_CHARS) : input;
  const s: ItemSignals = new Signals();

  // Pass 1: code spans, clarification markers, placeholders, quotes and link targets are cut out
  // of the prose (replaced by spaces) and recorded.
  extractSpans(text, s, refs);

  // Pass 2: tokens of the prose (the text less the cuts).
  const reading = readProse(text, s);
  finish(text, reading, s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Pass 1

/**
 * Cached "next index of ch at or after from" so unmatched openers never rescan the text: one
 * slot per closing delimiter, reset per item (items are read one at a time).
 */
const NEXT_POS = new Int32Array(8);
let NEXT_TEXT = '';
function nextReset(text: string): void {
  NEXT_TEXT = text;
  NEXT_POS.fill(-2);
}
function nextIndex(ch: string, slot: number, from: number): number {
  const cached = NEXT_POS[slot];
  if (cached !== -2 && (cached === -1 || cached >= from)) return cached;
  const found = NEXT_TEXT.indexOf(ch, from);
  NEXT_POS[slot] = found;
  return found;
}
// Slots of nextIndex.
const N_BACKTICK = 0;
const N_BRACKET = 1;
const N_PAREN = 2;
const N_ANGLE = 3;
const N_BRACE = 4;
const N_QUOTE = 5;
const N_CURLY_QUOTE = 6;

/**
 * Ranges of the item cut out of its prose (code spans, markers, placeholders, link marks): the
 * tokenizer reads each as a space. Kept in reused arrays, in increasing order.
 */
let CUT_FROM = new Int32Array(64);
let CUT_TO = new Int32Array(64);
let cutCount = 0;
function cutOut(from: number, to: number): void {
  if (cutCount === CUT_FROM.length) {
    const f = new Int32Array(cutCount * 2);
    f.set(CUT_FROM);
    CUT_FROM = f;
    const t = new Int32Array(cutCount * 2);
    t.set(CUT_TO);
    CUT_TO = t;
  }
  CUT_FROM[cutCount] = from;
  CUT_TO[cutCount] = to;
  cutCount++;
}

/** Records in CUT_FROM/CUT_TO what pass 2 does not read as prose; returns nothing (the prose is the text less the cuts). */
function extractSpans(text: string, s: ItemSignals, refs?: ReadonlySet<string>): void {
  cutCount = 0;
  const n = text.length;
  // Most items have no delimiter at all: nothing else to do. Otherwise jump from one to the next.
  let i = nextDelimiter(text, 0);
  if (i >= n) return;
  nextReset(text);
  const cut = cutOut;
  while (i < n) {
    i = nextDelimiter(text, i);
    if (i >= n) break;
    const c = text[i];
    if (c === '`') {
      let run = 1;
      while (i + run < n && text[i + run] === '`') run++;
      const close = nextIndex('`', N_BACKTICK, i + run);
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
      const close = nextIndex(']', N_BRACKET, i + 1);
      if (close > i && close - i <= 400) {
        const inner = text.slice(i + 1, close);
        const after = text[close + 1];
        if (after === '(') {
          // A Markdown link: the text stays prose, the target is a (weak) name.
          const end = nextIndex(')', N_PAREN, close + 2);
          if (end > 0 && end - close < 600) {
            const target = text.slice(close + 2, end).trim();
            if (target.startsWith('http')) addName(s, target, false);
            else if (target && !target.startsWith('#')) pathName(target, s, true);
            // A link to an anchor of the same document (a table of contents) says nothing itself.
            if (target.startsWith('#')) cut(i, end + 1);
            else {
              cut(i, i + 1);
              cut(close, end + 1);
            }
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
      const close = nextIndex('>', N_ANGLE, i + 1);
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
      const close = nextIndex('}', N_BRACE, i + 1);
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
      const close = c === '"' ? nextIndex('"', N_QUOTE, i + 1) : nextIndex('”', N_CURLY_QUOTE, i + 1);
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
}

/**
 * Index of the next ` [ < { " or “ at or after `from` (text.length when none). One character
 * class, no quantifier: linear, and the regexp engine scans ~3× faster than a charCodeAt loop.
 */
const DELIMITER = /[`[<{"“]/g;
function nextDelimiter(text: string, from: number): number {
  DELIMITER.lastIndex = from;
  const m = DELIMITER.exec(text);
  return m === null ? text.length : m.index;
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
  const space = inner.indexOf(' ');
  const first = space < 0 ? inner : inner.slice(0, space);
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

// Tokens are index ranges into the item's prose, kept in reused typed arrays; a token's
// lower-case form is hashed on the fly from its char codes and looked up in an integer-keyed
// table of the lexicon (each hit verified against the word). No string is made per token: only
// the few tokens that need one (numbers, names, paths, vague words) are sliced.

/** Multiplier of the polynomial hash of a lower-cased token: h(xy) = h(x)·M^|y| + h(y), so phrases hash from their words. */
const HASH_M = 0x01000193;
const UNDERSCORE = 95;

// Bits of a token's shape (TF).
const T_SENTENCE_START = 1;
const T_NON_ASCII = 2;
/** Might be an identifier (see identifierKind): an upper-case letter after a lower-case one, two capitals, a capital and a digit, or one of _ . $ ( */
const T_IDENT = 4;
/** Has a letter or digit (hasWordChar). */
const T_WORD = 8;
/** Contains / . or \ (a path candidate). */
const T_PATHISH = 16;
/** An ASCII word that looks like keyboard mash (isMash): 5+ characters, 4 equal in a row or no vowel. */
const T_MASH = 32;
/** Bit (c - 97) set for the vowels a e i o u y. */
const VOWELS = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 14) | (1 << 20) | (1 << 24);

// Scratch arrays of one item's tokens (items are read one at a time).
let TA = new Int32Array(256); // core start in the prose
let TB = new Int32Array(256); // core end
let TH = new Int32Array(256); // hash of the lower-cased core
let TP = new Int32Array(256); // HASH_M ** (length of the lower-cased core)
let TF = new Int32Array(256); // shape bits
let TL = new Int32Array(256); // lexicon entry, -1 when none
/** Lower-cased core of tokens with non-ASCII characters (their lower case is not a per-char fold). */
let TLOW: string[] = new Array<string>(256).fill('');
/** The prose the token arrays point into. */
let PROSE = '';

function growTokens(min: number): void {
  let size = TA.length;
  while (size < min) size *= 2;
  const grow = (a: Int32Array) => {
    const b = new Int32Array(size);
    b.set(a);
    return b;
  };
  TA = grow(TA);
  TB = grow(TB);
  TH = grow(TH);
  TP = grow(TP);
  TF = grow(TF);
  TL = grow(TL);
  const low = new Array<string>(size).fill('');
  for (let k = 0; k < TLOW.length; k++) low[k] = TLOW[k];
  TLOW = low;
}

// ---- the lexicon as an integer-keyed table
const ORDINAL_LABELS = new Set(['story', 'phase', 'step', 'part', 'section', 'stage', 'milestone', 'version', 'v', 'chapter', 'item', 'option', 'wave', 'round', 'figure', 'fig', 'table', 'case', 'example', 'scenario', 'task', 'issue', 'pr', 'rfc', 'kep', 'iteration', 'sprint', 'week', 'day', 'level', 'tier', 'group', 'container', 'pod', 'node', 'rule', 'question', 'q', 'priority', 'p', 'us', 'fr', 'sc', 'number', 'no', '#', 'line', 'lines', 'release', 'go', 'python', 'node.js', 'java', 'kubernetes', 'alpha', 'beta', 'ga']);


// Extra bits of a lexicon entry (beyond the word flags).
const X_VAGUE_PHRASE = 1;
const X_EXCLUSION_PHRASE = 2;
const X_META_PHRASE = 4;
const X_WEAK_META_PHRASE = 8;
/** Ends an "it works …" claim (EMPTY_CLAIM_TAILS, as, every, all, always, reliably). */
const X_CLAIM_TAIL = 16;
/** Lower case of a placeholder token (the token itself is then compared exactly). */
const X_PLACEHOLDER = 32;
/** Lower case of a word capitalised without being a name (compared exactly). */
const X_COMMON_CAP = 64;
/** A whole item that says nothing ("none", "n/a", "tbd", "to_be_determined"). */
const X_NON_CONTENT = 128;
/** Labels a number is an ordinal of ("Story 1", "Phase 2"). */
const X_ORDINAL = 256;
/** Words before a three-digit number that make it an HTTP status ("returns 404"). */
const X_STATUS_PREV = 512;
/** Words after a three-digit number that make it an HTTP status ("404 Not Found"). */
const X_STATUS_NEXT = 1024;

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, HASH_M) + s.charCodeAt(i)) | 0;
  return h;
}
function powLength(len: number): number {
  let p = 1;
  for (let i = 0; i < len; i++) p = Math.imul(p, HASH_M);
  return p;
}
/** Hash of `x_y` from the hashes of x and y (pY = M^|y|). */
function joinHash(hx: number, hy: number, pY: number): number {
  return (Math.imul((Math.imul(hx, HASH_M) + UNDERSCORE) | 0, pY) + hy) | 0;
}

const LEX_KEYS: string[] = [];
const LEX_WFLAGS: number[] = [];
const LEX_XBITS: number[] = [];
const LEX_BITS = 12;
const LEX_SHIFT = 32 - LEX_BITS;
const LEX_MASK = (1 << LEX_BITS) - 1;
/** Each key's length, and its characters in one array (offset LEX_OFF): compared without a string per lookup. */
let LEX_LEN = new Int32Array(0);
let LEX_OFF = new Int32Array(0);
let LEX_CHARS = new Uint16Array(0);
/** Open addressing: slot → entry + 1 (0 = empty), and the entry's hash. */
const LEX_SLOT = new Int32Array(1 << LEX_BITS);
const LEX_HASH = new Int32Array(1 << LEX_BITS);
{
  const index = new Map<string, number>();
  const entry = (key: string): number => {
    let e = index.get(key);
    if (e === undefined) {
      e = LEX_KEYS.length;
      index.set(key, e);
      LEX_KEYS.push(key);
      LEX_WFLAGS.push(WORD_FLAGS.get(key) ?? 0);
      LEX_XBITS.push(0);
    }
    return e;
  };
  for (const key of WORD_FLAGS.keys()) entry(key);
  const mark = (words: Iterable<string>, bit: number) => {
    for (const w of words) LEX_XBITS[entry(w)] |= bit;
  };
  mark(VAGUE_PHRASES, X_VAGUE_PHRASE);
  mark(EXCLUSION_PHRASES, X_EXCLUSION_PHRASE);
  mark(META_PHRASES, X_META_PHRASE);
  mark(WEAK_META_PHRASES, X_WEAK_META_PHRASE);
  mark([...EMPTY_CLAIM_TAILS, 'as', 'every', 'all', 'always', 'reliably'], X_CLAIM_TAIL);
  mark([...PLACEHOLDER_TOKENS].map((w) => w.toLowerCase()), X_PLACEHOLDER);
  mark([...COMMON_CAPITALISED].map((w) => w.toLowerCase()), X_COMMON_CAP);
  mark(NON_CONTENT_ITEMS, X_NON_CONTENT);
  mark(ORDINAL_LABELS, X_ORDINAL);
  mark(['http', 'status', 'code', 'returns', 'return', 'returned', 'responds', 'with', 'error', 'an', 'a'], X_STATUS_PREV);
  mark(['ok', 'not', 'too', 'error', 'created', 'unauthorized', 'forbidden', 'conflict', 'gone', 'response', 'status'], X_STATUS_NEXT);
  if (LEX_KEYS.length * 2 > LEX_MASK) throw new Error('lexicon table too small');
  let chars = 0;
  for (const key of LEX_KEYS) chars += key.length;
  LEX_CHARS = new Uint16Array(chars);
  LEX_LEN = new Int32Array(LEX_KEYS.length);
  LEX_OFF = new Int32Array(LEX_KEYS.length);
  chars = 0;
  for (let e = 0; e < LEX_KEYS.length; e++) {
    const key = LEX_KEYS[e];
    LEX_LEN[e] = key.length;
    LEX_OFF[e] = chars;
    for (let k = 0; k < key.length; k++) LEX_CHARS[chars++] = key.charCodeAt(k);
  }
  for (let e = 0; e < LEX_KEYS.length; e++) {
    const h = hashString(LEX_KEYS[e]);
    let slot = Math.imul(h, 0x9e3779b1) >>> LEX_SHIFT;
    while (LEX_SLOT[slot] !== 0) slot = (slot + 1) & LEX_MASK;
    LEX_SLOT[slot] = e + 1;
    LEX_HASH[slot] = h;
  }
}

/** Length of token k's lower-cased core. */
function lowLength(k: number): number {
  return TF[k] & T_NON_ASCII ? TLOW[k].length : TB[k] - TA[k];
}

/** True when token k's lower-cased core equals key[off, off + its length). */
function tokenMatches(k: number, key: string, off: number): boolean {
  if (TF[k] & T_NON_ASCII) return key.startsWith(TLOW[k], off);
  const a = TA[k];
  const len = TB[k] - a;
  const p = PROSE;
  for (let i = 0; i < len; i++) {
    let c = p.charCodeAt(a + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== key.charCodeAt(off + i)) return false;
  }
  return true;
}

/** Is `key` the lower-cased tokens k1, k2, k3 joined with "_" (k2, k3 < 0: fewer tokens)? */
function sequenceIs(key: string, k1: number, k2: number, k3: number): boolean {
  const l1 = lowLength(k1);
  const l2 = k2 >= 0 ? lowLength(k2) : -1;
  const l3 = k3 >= 0 ? lowLength(k3) : -1;
  if (key.length !== l1 + l2 + 1 + l3 + 1) return false;
  if (!tokenMatches(k1, key, 0)) return false;
  if (k2 < 0) return true;
  if (key.charCodeAt(l1) !== UNDERSCORE || !tokenMatches(k2, key, l1 + 1)) return false;
  if (k3 < 0) return true;
  return key.charCodeAt(l1 + 1 + l2) === UNDERSCORE && tokenMatches(k3, key, l1 + l2 + 2);
}

/** Lexicon entry of the tokens k1[_k2[_k3]] with hash h, or -1. */
function lexicon(h: number, k1: number, k2: number, k3: number): number {
  let slot = Math.imul(h, 0x9e3779b1) >>> LEX_SHIFT;
  for (;;) {
    const e = LEX_SLOT[slot] - 1;
    if (e < 0) return -1;
    if (LEX_HASH[slot] === h && sequenceIs(LEX_KEYS[e], k1, k2, k3)) return e;
    slot = (slot + 1) & LEX_MASK;
  }
}

/** Token k's lower-cased core as a string ('' for k < 0): made only when a string is needed. */
function low(k: number): string {
  if (k < 0) return '';
  return TF[k] & T_NON_ASCII ? TLOW[k] : PROSE.slice(TA[k], TB[k]).toLowerCase();
}

/** Token k's core as written. */
function coreOf(k: number): string {
  return PROSE.slice(TA[k], TB[k]);
}

/** Is token k's lower-cased core exactly `lit` (a lower-case literal)? */
function lowIs(k: number, lit: string): boolean {
  return k >= 0 && lowLength(k) === lit.length && tokenMatches(k, lit, 0);
}

/** Word flags of token k (0 past the end: an empty word). */
function flagsOf(k: number, count: number): number {
  if (k >= count) return 0;
  const e = TL[k];
  return e >= 0 ? LEX_WFLAGS[e] : 0;
}

/** Word flags of token k (0 for k < 0: no word). */
function flagsAt(k: number): number {
  if (k < 0) return 0;
  const e = TL[k];
  return e >= 0 ? LEX_WFLAGS[e] : 0;
}

/** Extra lexicon bits of token k (0 for k < 0). */
function xbitsAt(k: number): number {
  if (k < 0) return 0;
  const e = TL[k];
  return e >= 0 ? LEX_XBITS[e] : 0;
}

/** Does token k's lower-cased core start with `lit` (lower-case ASCII)? */
function lowStartsWith(k: number, lit: string): boolean {
  if (k < 0) return false;
  if (TF[k] & T_NON_ASCII) return TLOW[k].startsWith(lit);
  if (TB[k] - TA[k] < lit.length) return false;
  return tokenMatchesPrefix(k, lit);
}

function tokenMatchesPrefix(k: number, lit: string): boolean {
  const a = TA[k];
  for (let i = 0; i < lit.length; i++) {
    let c = PROSE.charCodeAt(a + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Cuts the prose into tokens: whitespace-separated, at most 300 characters of each, trimmed of
 * punctuation (leading < > ≤ ≥ ~ - + $ . / kept before a digit or a path). Returns the count.
 */
function tokenize(prose: string): number {
  PROSE = prose;
  const n = prose.length;
  if (TA.length < (n >> 1) + 2) growTokens((n >> 1) + 2);
  let count = 0;
  let i = 0;
  let sentenceStart = true;
  // Cut-out ranges (extractSpans) read as a space: a token ends where one starts.
  let ci = 0;
  let nextCut = cutCount > 0 ? CUT_FROM[0] : n;
  while (i < n) {
    if (i === nextCut) {
      i = CUT_TO[ci++];
      nextCut = ci < cutCount ? CUT_FROM[ci] : n;
      continue;
    }
    let c = prose.charCodeAt(i);
    if (c <= 32 ? c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 : c === 160) {
      i++;
      continue;
    }
    // The raw token, read once: its end, and the hash and shape of its first 300 characters,
    // which are the core's unless punctuation is trimmed off its ends.
    const rawStart = i;
    const tokenLimit = nextCut;
    const limit = tokenLimit - i > 300 ? i + 300 : tokenLimit;
    let h = 0;
    let bits = 0;
    let upper = 0;
    let digit = false;
    let prevLowerLetter = false;
    let vowel = false;
    let run = 0;
    let prevC = -1;
    let j = i;
    for (; j < limit; j++) {
      c = prose.charCodeAt(j);
      if (c < 128) {
        if (c >= 97 && c <= 122) {
          bits |= T_WORD;
          prevLowerLetter = true;
          if ((VOWELS >> (c - 97)) & 1) vowel = true;
        } else {
          if (c <= 32 && (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11)) break;
          if (c >= 65 && c <= 90) {
            bits |= T_WORD;
            upper++;
            if (prevLowerLetter) bits |= T_IDENT;
            c += 32;
            if ((VOWELS >> (c - 97)) & 1) vowel = true;
          } else if (c >= 48 && c <= 57) {
            bits |= T_WORD;
            digit = true;
          } else if (c === 95 || c === 36 || c === 40) bits |= T_IDENT;
          else if (c === 46) bits |= T_IDENT | T_PATHISH;
          else if (c === 47 || c === 92) bits |= T_PATHISH;
          prevLowerLetter = false;
        }
      } else {
        if (c === 160) break;
        bits |= T_NON_ASCII;
        if (c >= 0xc0 && !(c >= 0x2000 && c <= 0x2bff) && c !== 0xd7 && c !== 0xf7) bits |= T_WORD;
        prevLowerLetter = false;
      }
      if (c === prevC) {
        if (++run >= 4) bits |= T_MASH;
      } else run = 1;
      prevC = c;
      h = (Math.imul(h, HASH_M) + c) | 0;
    }
    const rawEnd = j;
    // A token longer than 300 characters is read on its first 300.
    while (j < tokenLimit && !isSpace(prose.charCodeAt(j))) j++;
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
        const ch = prose.charCodeAt(k);
        if (ch === 46 || ch === 63 || ch === 33) sentenceStart = true;
      }
      continue;
    }
    if (a !== rawStart || b !== rawEnd) {
      coreShape(prose, a, b);
      h = SHAPE_HASH;
      bits = SHAPE_BITS;
    } else {
      if (upper >= 2 || (upper >= 1 && digit)) bits |= T_IDENT;
      bits = mashBits(bits, vowel, b - a, prose.charCodeAt(a));
    }
    if (start) bits |= T_SENTENCE_START;
    let len = b - a;
    if (bits & T_NON_ASCII) {
      const lower = prose.slice(a, b).toLowerCase();
      TLOW[count] = lower;
      h = hashString(lower);
      len = lower.length;
    }
    TA[count] = a;
    TB[count] = b;
    TH[count] = h;
    TP[count] = len < POWERS.length ? POWERS[len] : powLength(len);
    TF[count] = bits;
    TL[count] = bits & T_NON_ASCII ? lexicon(h, count, -1, -1) : wordEntry(h, prose, a, len);
    count++;
  }
  return count;
}

/** HASH_M ** length, for lengths up to 600. */
const POWERS = (() => {
  const out = new Int32Array(601);
  out[0] = 1;
  for (let k = 1; k < out.length; k++) out[k] = Math.imul(out[k - 1], HASH_M);
  return out;
})();

let SHAPE_HASH = 0;
let SHAPE_BITS = 0;
/** Hash and shape bits of prose[a, b) (a trimmed core), as the raw scan in tokenize computes them. */
function coreShape(prose: string, a: number, b: number): void {
  let h = 0;
  let bits = 0;
  let upper = 0;
  let digit = false;
  let prevLowerLetter = false;
  let vowel = false;
  let run = 0;
  let prevC = -1;
  for (let k = a; k < b; k++) {
    let c = prose.charCodeAt(k);
    if (c < 128) {
      if (c >= 97 && c <= 122) {
        bits |= T_WORD;
        prevLowerLetter = true;
        if ((VOWELS >> (c - 97)) & 1) vowel = true;
      } else {
        if (c >= 65 && c <= 90) {
          bits |= T_WORD;
          upper++;
          if (prevLowerLetter) bits |= T_IDENT;
          c += 32;
          if ((VOWELS >> (c - 97)) & 1) vowel = true;
        } else if (c >= 48 && c <= 57) {
          bits |= T_WORD;
          digit = true;
        } else if (c === 95 || c === 36 || c === 40) bits |= T_IDENT;
        else if (c === 46) bits |= T_IDENT | T_PATHISH;
        else if (c === 47 || c === 92) bits |= T_PATHISH;
        prevLowerLetter = false;
      }
    } else {
      bits |= T_NON_ASCII;
      if (c >= 0xc0 && !(c >= 0x2000 && c <= 0x2bff) && c !== 0xd7 && c !== 0xf7) bits |= T_WORD;
      prevLowerLetter = false;
    }
    if (c === prevC) {
      if (++run >= 4) bits |= T_MASH;
    } else run = 1;
    prevC = c;
    h = (Math.imul(h, HASH_M) + c) | 0;
  }
  if (upper >= 2 || (upper >= 1 && digit)) bits |= T_IDENT;
  SHAPE_HASH = h;
  SHAPE_BITS = mashBits(bits, vowel, b - a, prose.charCodeAt(a));
}

/**
 * T_MASH as isMash decides it for an ASCII word of `len` characters starting with `first` (a run
 * of four equal characters was already marked while reading it): 5+ characters, and the run or no
 * vowel in a word that starts with a letter.
 */
function mashBits(bits: number, vowel: boolean, len: number, first: number): number {
  if (len < 5) return bits & ~T_MASH;
  if (!vowel && ((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return bits | T_MASH;
  return bits;
}

/** Lexicon entry of the ASCII word prose[a, a + len) (compared case-folded), or -1. */
function wordEntry(h: number, prose: string, a: number, len: number): number {
  let slot = Math.imul(h, 0x9e3779b1) >>> LEX_SHIFT;
  for (;;) {
    const e = LEX_SLOT[slot] - 1;
    if (e < 0) return -1;
    if (LEX_HASH[slot] === h && LEX_LEN[e] === len) {
      let off = LEX_OFF[e];
      let k = a;
      const end = a + len;
      for (; k < end; k++, off++) {
        let c = prose.charCodeAt(k);
        if (c >= 65 && c <= 90) c += 32;
        if (c !== LEX_CHARS[off]) break;
      }
      if (k === end) return e;
    }
    slot = (slot + 1) & LEX_MASK;
  }
}

// ---- an item's distinct words: a hash set of token indices, cleared by a generation stamp

let DS_TOKEN = new Int32Array(1024);
let DS_HASH = new Int32Array(1024);
let DS_GEN = new Int32Array(1024);
let dsShift = 32 - 10;
let dsGen = 0;

function distinctReset(tokens: number): void {
  let size = DS_TOKEN.length;
  if (size < tokens * 2) {
    while (size < tokens * 2) size *= 2;
    DS_TOKEN = new Int32Array(size);
    DS_HASH = new Int32Array(size);
    DS_GEN = new Int32Array(size);
    dsShift = 32 - Math.log2(size);
    dsGen = 0;
  }
  if (dsGen >= 0x3fffffff) {
    DS_GEN.fill(0);
    dsGen = 0;
  }
  dsGen++;
}

/** Adds token k's lower-cased word; true when it was not there yet. */
function distinctAdd(k: number): boolean {
  const h = TH[k];
  const mask = DS_TOKEN.length - 1;
  let slot = Math.imul(h, 0x9e3779b1) >>> dsShift;
  while (DS_GEN[slot] === dsGen) {
    if (DS_HASH[slot] === h && sameWord(DS_TOKEN[slot], k)) return false;
    slot = (slot + 1) & mask;
  }
  DS_GEN[slot] = dsGen;
  DS_HASH[slot] = h;
  DS_TOKEN[slot] = k;
  return true;
}

function sameWord(k1: number, k2: number): boolean {
  if ((TF[k1] | TF[k2]) & T_NON_ASCII) return low(k1) === low(k2);
  const len = TB[k1] - TA[k1];
  if (TB[k2] - TA[k2] !== len) return false;
  const p = PROSE;
  const a1 = TA[k1];
  const a2 = TA[k2];
  for (let i = 0; i < len; i++) {
    let c1 = p.charCodeAt(a1 + i);
    let c2 = p.charCodeAt(a2 + i);
    if (c1 >= 65 && c1 <= 90) c1 += 32;
    if (c2 >= 65 && c2 <= 90) c2 += 32;
    if (c1 !== c2) return false;
  }
  return true;
}

/** Char code of token k's core at offset `at` (NaN past its end). */
function charAt(k: number, at: number): number {
  const pos = TA[k] + at;
  return pos < TB[k] ? PROSE.charCodeAt(pos) : NaN;
}

/** What pass 2 hands to `finish`: the few token facts that need the whole item. */
type Reading = {
  /** Word flags of the first word. */
  firstFlags: number;
  /** The first word is "none", "n/a", "na" or "nothing". */
  firstNone: boolean;
  /** The first word alone is non-content ("none", "tbd", "n/a"…). */
  firstNonContent: boolean;
  /** All the words, joined with "_", are non-content ("not applicable", "to be determined"). */
  shortNonContent: boolean;
  /** The first six words joined with "_" when the first starts with "no" ("no_ui_changes"), else "". */
  noJoin: string;
  secondPerson: boolean;
  shouldExplain: boolean;
  meta: boolean;
  weakMeta: boolean;
  metaEarly: boolean;
  modalEarly: boolean;
  instructionEarly: boolean;
  tokenCount: number;
  genericWords: number;
  contentForGeneric: number;
};

/** One Reading, reset per item: items are read one at a time. */
const READING: Reading = { firstFlags: 0, firstNone: false, firstNonContent: false, shortNonContent: false, noJoin: '', secondPerson: false, shouldExplain: false, meta: false, weakMeta: false, metaEarly: false, modalEarly: false, instructionEarly: false, tokenCount: 0, genericWords: 0, contentForGeneric: 0 };

function readProse(prose: string, s: ItemSignals): Reading {
  const r = READING;
  r.secondPerson = r.shouldExplain = r.meta = r.weakMeta = r.metaEarly = r.modalEarly = r.instructionEarly = false;
  r.tokenCount = r.genericWords = r.contentForGeneric = 0;
  const count = tokenize(prose);
  distinctReset(count);
  let gwtState = 0;
  let conditionOpen = false;
  let claim = false;
  let claimPending = false;
  /** The previous two tokens whose words a number or a phrase reads (-1: none, i.e. ''). */
  let pk = -1;
  let p2k = -1;
  let prevFlags = 0;
  /** A bigram that starts a trigram phrase: its hash and its two tokens. */
  let pendingBigram = false;
  let pbHash = 0;
  let pb1 = -1;
  let pb2 = -1;
  let lastNumberIdx = -10;
  let numberKind: 0 | 1 | 2 = 0;
  for (let k = 0; k < count; k++) {
    const idx = k;
    r.tokenCount++;
    const e = TL[k];
    const flags = e >= 0 ? LEX_WFLAGS[e] : 0;
    const xbits = e >= 0 ? LEX_XBITS[e] : 0;

    // Multi-word phrases: only when the previous word can start one.
    if (prevFlags & F.phraseHead) {
      const bh = joinHash(TH[pk], TH[k], TP[k]);
      const be = lexicon(bh, pk, k, -1);
      if (be >= 0) phrase(be, s, r);
      if (prevFlags & F.claimSubject && flags & F.claimVerb) claimPending = true;
      if (pendingBigram) {
        const te = lexicon(joinHash(pbHash, TH[k], TP[k]), pb1, pb2, k);
        if (te >= 0) phrase(te, s, r);
      }
      if (be >= 0 && LEX_WFLAGS[be] & F.phraseHead) {
        pendingBigram = true;
        pbHash = bh;
        pb1 = pk;
        pb2 = k;
      } else pendingBigram = false;
    } else {
      pendingBigram = false;
      if (prevFlags & F.claimSubject && flags & F.claimVerb) claimPending = true;
    }
    if (claimPending && !(flags & F.claimVerb)) {
      // "it works fine", "it works 100% of the time", "it works as expected" — but not "it works with cgroups v2".
      const c0 = TF[k] & T_NON_ASCII ? TLOW[k].charCodeAt(0) : PROSE.charCodeAt(TA[k]);
      if (xbits & X_CLAIM_TAIL || (c0 >= 48 && c0 <= 57)) claim = true;
      claimPending = false;
    }

    const first = PROSE.charCodeAt(TA[k]);
    const len = TB[k] - TA[k];
    // A token that starts with a lower-case letter (most of them) is no placeholder, number,
    // route, HTTP method or --option: those checks are skipped for it.
    const lowerStart = first >= 97 && first <= 122;
    // Placeholder tokens start with a capital, '?', '$' or '#'.
    if (xbits & X_PLACEHOLDER && ((first >= 65 && first <= 90) || first === 63 || first === 36 || first === 35)) {
      const core = coreOf(k);
      if (PLACEHOLDER_TOKENS.has(core)) {
        add(s, 'placeholders', core);
        p2k = pk;
        pk = k;
        prevFlags = 0;
        continue;
      }
    }

    const second = lowerStart ? NaN : charAt(k, 1);
    const isDigitStart = first >= 48 && first <= 57;
    const symbolicNumber = !lowerStart && (first === 60 || first === 62 || first === 0x2264 || first === 0x2265 || first === 126 || first === 43) && len > 1 && isDigit(charAt(k, second === 61 ? 2 : 1));
    if (isDigitStart || symbolicNumber || (first === 45 && len > 1 && isDigit(second))) {
      s.words++;
      const kind = numberToken(k, pk, p2k, k + 1 < count ? k + 1 : -1, s, symbolicNumber);
      if (kind > 0) {
        lastNumberIdx = idx;
        numberKind = kind;
        if (kind > s.measure) s.measure = kind;
      }
      p2k = pk;
      pk = k;
      prevFlags = 0;
      continue;
    }
    if (idx - lastNumberIdx === 1 && numberKind === 1 && flags & F.strongUnit) s.measure = 2;
    // "exactly one commit", "at most three retries", "two tags".
    if (flags & F.numberWord) {
      const nextFlags = flagsOf(k + 1, count);
      if ((prevFlags & F.comparator) !== 0 || lowIs(pk, 'exactly') || nextFlags & (F.countUnit | F.strongUnit)) {
        const kind: 1 | 2 = (prevFlags & F.comparator) !== 0 || lowIs(pk, 'exactly') || (nextFlags & F.strongUnit) !== 0 ? 2 : 1;
        if (kind > s.measure) s.measure = kind;
        lastNumberIdx = idx;
        numberKind = kind;
      }
    }

    if (first === 104 && ((len >= 7 && startsWithAt(TA[k], 'http://')) || (len >= 8 && startsWithAt(TA[k], 'https://')))) {
      const core = coreOf(k);
      s.namedWeak++;
      addName(s, core, false);
      if (core.includes('...') || core.includes('…')) add(s, 'placeholders', clip(core, 60));
      p2k = pk;
      pk = -1;
      prevFlags = 0;
      continue;
    }
    if (first === 47 && len > 1 && (isAsciiLetterCode(second) || second === 123 || second === 58)) {
      const core = coreOf(k);
      s.route = true;
      s.named++;
      addName(s, core, false);
      addUnique(s, 'paths', core.slice(1), 40);
      p2k = pk;
      pk = -1;
      prevFlags = 0;
      continue;
    }
    if (!lowerStart && k + 1 < count && PROSE.charCodeAt(TA[k + 1]) === 47 && HTTP_METHODS.has(coreOf(k))) {
      s.route = true;
      s.observable = true;
    }
    const shape = TF[k];
    if (shape & T_PATHISH) {
      const core = coreOf(k);
      if (looksLikePath(core)) {
        pathName(core, s, false);
        p2k = pk;
        pk = -1;
        prevFlags = 0;
        continue;
      }
    }
    if (first === 45 && len > 3 && second === 45 && isAsciiLetterCode(charAt(k, 2))) {
      s.named++;
      addName(s, coreOf(k), false);
      p2k = pk;
      pk = k;
      prevFlags = 0;
      continue;
    }
    const ident = flags === 0 && shape & T_IDENT ? identifierKind(coreOf(k)) : undefined;
    if (ident === 'strong') {
      const core = coreOf(k);
      s.named++;
      s.words++;
      addName(s, core, false);
      addUnique(s, 'symbols', identifierCore(core) ?? core, 40);
      p2k = pk;
      pk = k;
      prevFlags = 0;
      continue;
    }
    if (!(shape & T_WORD)) {
      p2k = pk;
      pk = -1;
      prevFlags = 0;
      continue;
    }

    // Words.
    s.words++;
    if (flags & F.function) s.functionWords++;
    else {
      // Distinct content words (function words repeat in any prose): for the repetition check.
      if (distinctAdd(k)) s.distinct++;
      s.content++;
      r.contentForGeneric++;
      if (flags & (F.generic | F.vague)) r.genericWords++;
    }
    if (ident === 'weak') {
      s.namedWeak++;
      addName(s, coreOf(k), true);
    } else if (!(shape & T_SENTENCE_START) && idx > 0 && first >= 65 && first <= 90 && second >= 97 && second <= 122 && !(xbits & X_COMMON_CAP && COMMON_CAPITALISED.has(coreOf(k))) && !(flags & F.function)) {
      s.namedWeak++;
    }
    if (flags !== 0) {
      if (flags & F.lorem) s.lorem++;
      if (flags & F.mash) s.mash++;
      if (flags & F.vague) pushVague(s, LEX_KEYS[e]);
      if (flags & F.observable) s.observable = true;
      if (flags & F.modal) {
        s.modal = true;
        if ((lowIs(k, 'should') || lowIs(k, 'must')) && k + 1 < count && flagsOf(k + 1, count) & F.instruction) r.shouldExplain = true;
      }
      if (flags & F.test) s.testWords++;
      if (flags & F.ui) s.uiWords++;
      if (flags & F.uiState && s.uiStates.length < 12) addUnique(s, 'uiStates', LEX_KEYS[e], 12);
      if (flags & F.uiInteraction && s.uiInteractions.length < 12) addUnique(s, 'uiInteractions', LEX_KEYS[e], 12);
      if (flags & F.dependency) s.dependencyWords++;
      if (flags & F.meta) r.meta = true;
      if (flags & F.weakMeta) r.weakMeta = true;
      if (idx < 4 && flags & F.instruction) r.instructionEarly = true;
      if (idx < 5 && flags & F.modal && (lowIs(k, 'should') || lowIs(k, 'must') || lowIs(k, 'can') || lowIs(k, 'may'))) r.modalEarly = true;
      if (flags & F.secondPerson) r.secondPerson = true;
      if (flags & F.creation) s.creation = true;
      if (idx === 0 && flags & F.exclusionOpener) s.exclusion = true;
      if (flags & F.condition) conditionOpen = true;
      if (flags & F.gwt) {
        if (lowIs(k, 'given') && gwtState === 0) gwtState = 1;
        else if (lowIs(k, 'when') && gwtState <= 1) gwtState = gwtState === 1 ? 2 : 1.5;
        else if (lowIs(k, 'then') && (gwtState === 2 || gwtState === 1.5)) gwtState = gwtState === 2 ? 3 : 2.5;
      }
    } else if (shape & T_NON_ASCII ? isMash(TLOW[k]) : (shape & T_MASH) !== 0) s.mash++;
    if (lowLength(k) <= 2 && (lowIs(k, '→') || lowIs(k, '->') || lowIs(k, '=>') || lowIs(k, '⇒'))) s.condition = true;
    if (idx === 0 && lowIs(k, 'scenario')) conditionOpen = true;
    p2k = pk;
    pk = k;
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
  // The first word, and the first words joined with "_" ("not_applicable"): a join of four or
  // more words has three "_" and no non-content phrase has, so only up to three are looked up.
  r.firstFlags = flagsAt(count > 0 ? 0 : -1);
  r.firstNone = count > 0 && (lowIs(0, 'none') || lowIs(0, 'n/a') || lowIs(0, 'na') || lowIs(0, 'nothing'));
  r.firstNonContent = (xbitsAt(count > 0 ? 0 : -1) & X_NON_CONTENT) !== 0;
  let shortNonContent = false;
  if (count === 1) shortNonContent = r.firstNonContent;
  else if (count === 2 || count === 3) {
    const h2 = joinHash(TH[0], TH[1], TP[1]);
    const e = count === 2 ? lexicon(h2, 0, 1, -1) : lexicon(joinHash(h2, TH[2], TP[2]), 0, 1, 2);
    shortNonContent = e >= 0 && (LEX_XBITS[e] & X_NON_CONTENT) !== 0;
  }
  r.shortNonContent = shortNonContent;
  // The first six words joined, for the "no …" openers only.
  let join = '';
  if (lowStartsWith(0, 'no')) for (let k = 0; k < count && k < 6; k++) join += (k ? '_' : '') + low(k);
  r.noJoin = join;
  return r;
}

/** Does the prose at `pos` start with `lit`? */
function startsWithAt(pos: number, lit: string): boolean {
  return PROSE.startsWith(lit, pos);
}

function phrase(e: number, s: ItemSignals, r: Reading): void {
  const x = LEX_XBITS[e];
  if (x === 0) return;
  if (x & X_VAGUE_PHRASE) pushVague(s, LEX_KEYS[e].split('_').join(' '));
  if (x & X_EXCLUSION_PHRASE) s.exclusion = true;
  if (x & X_META_PHRASE) {
    r.meta = true;
    if (r.tokenCount <= 3) r.metaEarly = true;
  }
  if (x & X_WEAK_META_PHRASE) r.weakMeta = true;
}

function isDigitOrSlashStart(raw: string, a: number): boolean {
  const next = raw.charCodeAt(a + 1);
  return (next >= 48 && next <= 57) || (raw[a] === '/' && isAsciiLetter(raw[a + 1] ?? '')) || (raw[a] === '.' && raw[a + 1] === '/') || (raw[a] === '-' && raw[a + 1] === '-');
}


/** Classifies a number token: 2 = bound measure, 1 = counted, 0 = an id, a year or a date. */
/**
 * Classifies number token k: 2 = bound measure, 1 = counted, 0 = an id, a year or a date. pk, p2k
 * and nk are the words before and after it (-1: none).
 */
function numberToken(k: number, pk: number, p2k: number, nk: number, s: ItemSignals, symbolic: boolean): 0 | 1 | 2 {
  const core = coreOf(k);
  let i = 0;
  while (i < core.length && !isDigit(core.charCodeAt(i))) i++;
  const lead = core.slice(0, i);
  let digitCount = 0;
  let value = 0;
  let dots = 0;
  let dashes = 0;
  while (i < core.length) {
    const c = core.charCodeAt(i);
    if (isDigit(c)) {
      digitCount++;
      // Only three- and four-digit values are compared.
      if (digitCount <= 4) value = value * 10 + (c - 48);
    } else if (c === 46 || c === 44) {
      if (c === 46) dots++;
    } else if (c === 45 || c === 47) dashes++;
    else break;
    i++;
  }
  const suffix = i < core.length ? core.slice(i).toLowerCase() : '';
  if (dashes >= 2 && !suffix) return 0; // a date
  if (dots >= 2) {
    s.namedWeak++; // a version number
    return 0;
  }
  const prevFlags = flagsAt(pk);
  // HTTP status and exit codes are names of observable outcomes.
  if (!suffix && digitCount === 3 && value >= 100 && value <= 599 && (xbitsAt(pk) & X_STATUS_PREV || xbitsAt(nk) & X_STATUS_NEXT)) {
    s.statusCode = true;
    s.observable = true;
    s.named++;
    addName(s, `${lowIs(pk, 'http') ? 'HTTP ' : ''}${core}`, false);
    return 2;
  }
  if ((lowIs(pk, 'exit') || lowIs(pk, 'exits') || lowIs(pk, 'exited') || (lowIs(p2k, 'exit') && lowIs(pk, 'code')) || lowIs(pk, 'code')) && digitCount <= 3 && !suffix) {
    s.statusCode = true;
    s.observable = true;
    s.named++;
    addName(s, `exit ${core}`, false);
    return 2;
  }
  if (suffix && (STRONG_UNITS.has(suffix) || suffix === '%' || suffix.startsWith('%') || suffix === 'x')) return suffix === 'x' ? 1 : 2;
  if (suffix && suffix.length <= 3 && (suffix === 'xx' || suffix === 'k' || suffix === 'm')) return 1;
  if (!suffix && digitCount === 4 && value >= 1900 && value <= 2100 && !(prevFlags & F.comparator)) return 0; // a year
  if (lead === '<' || lead === '>' || lead === '≤' || lead === '≥' || lead === '<=' || lead === '>=' || symbolic) return 2;
  if (prevFlags & F.comparator || (flagsAt(p2k) & F.comparator && (lowIs(pk, 'than') || lowIs(pk, 'to') || lowIs(pk, 'most') || lowIs(pk, 'least')))) return 2;
  const nextFlags = flagsAt(nk);
  if (nextFlags & F.strongUnit || lowIs(nk, '%') || lowIs(nk, 'percent')) return 2;
  if (xbitsAt(pk) & X_ORDINAL) return 0; // "Story 1", "Phase 2", "step 3"
  if (nextFlags & F.countUnit || COUNT_UNITS.has(suffix)) return 1;
  // A bare number counts when it counts something ("12 namespaces"), not as a label.
  if (nk >= 0 && lowLength(nk) > 3 && lowEndsWithS(nk) && !(nextFlags & F.function)) return 1;
  return 0;
}

/** Does token k's lower-cased core end with "s"? */
function lowEndsWithS(k: number): boolean {
  if (TF[k] & T_NON_ASCII) return TLOW[k].endsWith('s');
  const c = PROSE.charCodeAt(TB[k] - 1);
  return c === 115 || c === 83;
}

function finish(text: string, r: Reading, s: ItemSignals): void {
  s.question = endsWithQuestionMark(text);

  const j = r.noJoin;
  if (r.firstNone || (j && (j.startsWith('no_ui') || j.startsWith('not_applicable') || j.startsWith('no_user_interface') || j.startsWith('no_new_dependencies') || j.startsWith('no_dependencies')))) s.explicitNone = true;
  // Whole-item non-content: "None", "N/A", "TBD", "-", "…".
  if (r.tokenCount === 0 || r.shortNonContent) s.nonContent = true;
  else if (r.tokenCount <= 3 && r.firstNonContent && s.named === 0 && s.content <= 2) s.nonContent = true;
  if (s.content === 0 && s.named === 0 && s.measure === 0) s.nonContent = true;
  // A table-of-contents entry: "[Title](#anchor)", nested brackets and all.
  if (text.charCodeAt(0) === 91 && text.endsWith(')') && text.lastIndexOf('](#') > 0) {
    s.nonContent = true;
    s.placeholders = NONE;
  }

  // Template instructions left in place: an instruction verb or "you", plus words about the
  // document ("this section", "e.g.", "if applicable"), and nothing concrete.
  if (s.named === 0) {
    const instruction = (r.firstFlags & F.instruction) !== 0;
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

/** Does the item end with '?' once trailing markup (spaces, emphasis, closing quotes and brackets) is set aside? */
function endsWithQuestionMark(text: string): boolean {
  let b = text.length;
  while (b > 0) {
    const c = text.charCodeAt(b - 1);
    // space * _ ) " ' ” tab
    if (c === 32 || c === 42 || c === 95 || c === 41 || c === 34 || c === 39 || c === 0x201d || c === 9) b--;
    else break;
  }
  return b > 0 && text.charCodeAt(b - 1) === 63;
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

function isAsciiLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
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
