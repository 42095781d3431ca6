/**
 * Bytes of a spec file → text. UTF-8 (with or without a BOM), UTF-16 LE/BE (with a BOM, or
 * recognised by its pattern of zero bytes), and Latin-1/Windows-1252 decode to the same text as
 * their UTF-8 twin; CRLF is left to the parser (it reads both). Binary input — NUL bytes, many
 * control characters, invalid UTF-8 beyond a small tolerance that is not Latin-1 either — is
 * refused. Browser-safe (TextDecoder), so the editor decodes opened files the same way.
 */

export type SpecEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type DecodeResult = { ok: true; text: string; encoding: SpecEncoding; replaced: number } | { ok: false; reason: string };

/** Invalid UTF-8 sequences tolerated (replaced with U+FFFD) in a file that is otherwise UTF-8. */
export const INVALID_UTF8_TOLERANCE = { count: 3, perBytes: 1000 };
/** At most one NUL byte per this many bytes in a text file. */
const NUL_PER_BYTES = 200;
/** Control characters (other than tab, newline, carriage return, form feed) tolerated per 1,000 characters. */
const CONTROL_PER_THOUSAND = 10;

export function decodeSpecBytes(bytes: Uint8Array): DecodeResult {
  const n = bytes.length;
  if (n === 0) return { ok: true, text: '', encoding: 'utf-8', replaced: 0 };
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return fromUtf8(bytes.subarray(3), 'utf-8-bom');
  if (n >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return fromUtf16(bytes.subarray(2), 'utf-16le');
  if (n >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return fromUtf16(bytes.subarray(2), 'utf-16be');

  const bomless = utf16WithoutBom(bytes);
  if (bomless) return fromUtf16(bytes, bomless);

  // A few stray NUL bytes happen in real text files (mangled box-drawing characters); many mean binary.
  let nul = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (bytes[i] === 0) {
      if (first < 0) first = i;
      nul++;
    }
  }
  if (nul > 0 && (nul * NUL_PER_BYTES > n || n < 64)) return { ok: false, reason: `it contains NUL bytes (${nul}, the first at byte ${first})` };
  return fromUtf8(bytes, 'utf-8');
}

function fromUtf8(bytes: Uint8Array, encoding: 'utf-8' | 'utf-8-bom'): DecodeResult {
  const { invalid, multibyte } = scanUtf8(bytes);
  if (invalid === 0) return checked(new TextDecoder('utf-8').decode(bytes), encoding, 0);
  const tolerated = Math.max(INVALID_UTF8_TOLERANCE.count, Math.floor(bytes.length / INVALID_UTF8_TOLERANCE.perBytes));
  // A UTF-8 file with a few broken bytes stays UTF-8; text with no valid UTF-8 sequence at all
  // and scattered single high bytes is Latin-1.
  if (multibyte > 0 && invalid <= tolerated) return checked(new TextDecoder('utf-8').decode(bytes), encoding, invalid);
  if (multibyte * 10 <= invalid && looksLikeLatin1(bytes)) return checked(new TextDecoder('windows-1252').decode(bytes), 'windows-1252', 0);
  if (invalid <= tolerated) return checked(new TextDecoder('utf-8').decode(bytes), encoding, invalid);
  return { ok: false, reason: `${invalid} byte sequences are not valid UTF-8 and it does not read as Latin-1 either` };
}

function fromUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodeResult {
  if (bytes.length % 2 === 1) bytes = bytes.subarray(0, bytes.length - 1);
  const text = new TextDecoder(encoding).decode(bytes);
  let replaced = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) replaced++;
  if (replaced > Math.max(INVALID_UTF8_TOLERANCE.count, text.length / INVALID_UTF8_TOLERANCE.perBytes)) return { ok: false, reason: `it is not valid ${encoding.toUpperCase()}` };
  return checked(text, encoding, replaced);
}

/** Refuses decoded text that is mostly control characters (a binary file that happened to decode). */
function checked(text: string, encoding: SpecEncoding, replaced: number): DecodeResult {
  let control = 0;
  let nul = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) nul++;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 127) control++;
  }
  if (nul * NUL_PER_BYTES > text.length) return { ok: false, reason: `it contains ${nul} NUL characters` };
  if (control > 8 && control * 1000 > text.length * CONTROL_PER_THOUSAND) return { ok: false, reason: `${control} control characters in ${text.length}` };
  let out = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (nul > 0) out = out.split('\u0000').join('\ufffd');
  return { ok: true, text: out, encoding, replaced: replaced + nul };
}

/** Counts invalid sequences (overlongs, surrogates and truncations count) and valid multi-byte ones. */
export function scanUtf8(b: Uint8Array): { invalid: number; multibyte: number } {
  let invalid = 0;
  let multibyte = 0;
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      invalid++;
      i++;
      continue;
    }
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      invalid++;
      i++;
      continue;
    }
    multibyte++;
    i += need + 1;
  }
  return { invalid, multibyte };
}

/**
 * Latin-1 / Windows-1252 text: mostly ASCII, accented letters scattered as single high bytes,
 * hardly any bytes in the C1 range that Windows-1252 leaves undefined, no control characters.
 */
function looksLikeLatin1(b: Uint8Array): boolean {
  let high = 0;
  let undefinedC1 = 0;
  let control = 0;
  let letters = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x80) {
      high++;
      if (c === 0x81 || c === 0x8d || c === 0x8f || c === 0x90 || c === 0x9d) undefinedC1++;
    } else if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 127) control++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
  }
  return high * 100 <= b.length * 20 && undefinedC1 === 0 && control * 1000 <= b.length * CONTROL_PER_THOUSAND && letters * 2 >= b.length - high;
}

/** UTF-16 without a BOM: every other byte is zero for ASCII text. */
function utf16WithoutBom(b: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(b.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero >= pairs * 0.6 && evenZero <= pairs * 0.02) return 'utf-16le';
  if (evenZero >= pairs * 0.6 && oddZero <= pairs * 0.02) return 'utf-16be';
  return undefined;
}
