import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSpecBytes, scanUtf8 } from './decode';
import { seededRandom } from '../../test/support/seeded-random';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('decodeSpecBytes', () => {
  it('reads UTF-8, UTF-8 with BOM, UTF-16 LE/BE with and without BOM and Latin-1 to the same text', () => {
    const text = '# Café\n\nNaïve “quotes” — déjà vu.\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1], be[i]];
    const cases: Array<[string, Uint8Array, string]> = [
      ['utf-8', enc(text), 'utf-8'],
      ['bom', new Uint8Array([0xef, 0xbb, 0xbf, ...enc(text)]), 'utf-8-bom'],
      ['utf-16le', new Uint8Array([0xff, 0xfe, ...le]), 'utf-16le'],
      ['utf-16be', new Uint8Array([0xfe, 0xff, ...be]), 'utf-16be'],
      ['utf-16le without BOM', new Uint8Array(le), 'utf-16le'],
    ];
    for (const [name, bytes, encoding] of cases) {
      const r = decodeSpecBytes(bytes);
      expect(r, name).toEqual({ ok: true, text, encoding, replaced: 0 });
    }
    const latin = decodeSpecBytes(new Uint8Array(Buffer.from('# Caf\xe9\n\nNa\xefve r\xe9sum\xe9 of the plan.\n', 'latin1')));
    expect(latin).toEqual({ ok: true, text: '# Café\n\nNaïve résumé of the plan.\n', encoding: 'windows-1252', replaced: 0 });
  });

  it('refuses binary input: an executable, random bytes, many control characters', () => {
    expect(decodeSpecBytes(new Uint8Array(readFileSync(process.execPath).subarray(0, 65536)))).toMatchObject({ ok: false, reason: expect.stringMatching(/NUL/) });
    const random = seededRandom(7);
    const noise = new Uint8Array(8192).map(() => 1 + Math.floor(random() * 255));
    expect(decodeSpecBytes(noise).ok).toBe(false);
    expect(decodeSpecBytes(enc('a\u0001b\u0002c\u0003d\u0004e\u0005f\u0006g\u0007h\u0008i\u000ej\u000fk')).ok).toBe(false);
  });

  it('tolerates a few broken bytes in an otherwise UTF-8 file, and says how many it replaced', () => {
    const bytes = new Uint8Array([...enc('# Plan ✓\n\nstatus: '), 0xa0, 0x0f, ...enc(' ok\n'.repeat(200))]);
    const r = decodeSpecBytes(bytes);
    expect(r).toMatchObject({ ok: true, encoding: 'utf-8', replaced: 1 });
    expect(scanUtf8(bytes).invalid).toBe(1);
  });

  it('reads an empty file as empty text', () => {
    expect(decodeSpecBytes(new Uint8Array())).toEqual({ ok: true, text: '', encoding: 'utf-8', replaced: 0 });
  });
});
