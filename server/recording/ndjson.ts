/**
 * A recording as an NDJSON file: the header, then blobs and records in order, then the end line.
 * Written to `FILE.partial` and renamed to FILE when the recording ends, so a crash never leaves
 * a FILE that looks whole. Read back with every line checked: a truncated file, one from another
 * format version or with a line that is not a recording line is refused naming the file and line.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RECORDING_FORMAT, RECORDING_VERSION, type LoadedRecording, type RecordEntry, type RecordingEnding, type RecordingHeader, type RecordingLine, type RecordingSink } from './types';

/** A recording file that cannot be used; the message names the file and what is wrong. */
export class RecordingFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'RecordingFileError';
  }
}

const ENTRY_KINDS = new Set(['model', 'tool', 'command', 'checkpoint']);

/** Writes the recording to `file` (through `file.partial`, renamed at the end). */
export function ndjsonRecordingSink(file: string): RecordingSink {
  const partial = `${file}.partial`;
  let fd: number | null = null;
  const line = (v: RecordingLine) => {
    if (fd === null) throw new Error(`${file} is not open`);
    writeSync(fd, `${JSON.stringify(v)}\n`);
  };
  return {
    name: file,
    async open(header: RecordingHeader) {
      fd = openSync(partial, 'w', 0o600);
      line(header);
    },
    async write(lines) {
      for (const l of lines) line(l);
    },
    async close(ending: RecordingEnding | null) {
      if (fd === null) return;
      if (ending) line(ending);
      closeSync(fd);
      fd = null;
      // Without an ending (the session crashed) the file stays `.partial`: reading it says it is truncated.
      if (ending) renameSync(partial, file);
    },
  };
}

/** Whether `file` can be written: its folder exists and it is not a folder itself. */
export function checkRecordingTarget(file: string): string | null {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `${file}: the folder ${dir} does not exist`;
  if (existsSync(file) && statSync(file).isDirectory()) return `${file} is a folder`;
  return null;
}

/** Reads and checks a whole recording file. Throws {@link RecordingFileError}. */
export function readRecordingFile(file: string): LoadedRecording {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new RecordingFileError(file, 'is a folder, not a recording file');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof RecordingFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordingFileError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${(err as Error).message})`);
  }
  return parseRecording(text, file);
}

/** Parses a recording's NDJSON text (see {@link readRecordingFile}); `name` is used in errors. */
export function parseRecording(text: string, name: string): LoadedRecording {
  if (!text.trim()) throw new RecordingFileError(name, 'is empty: not a Nightshift recording');
  const endsWithNewline = text.endsWith('\n');
  const rows = text.split('\n');
  if (endsWithNewline) rows.pop();
  let header: RecordingHeader | null = null;
  let ending: RecordingEnding | null = null;
  const entries: RecordEntry[] = [];
  const blobs = new Map<string, string>();
  for (let i = 0; i < rows.length; i++) {
    const n = i + 1;
    const last = i === rows.length - 1;
    let value: RecordingLine;
    try {
      value = JSON.parse(rows[i]) as RecordingLine;
    } catch {
      if (last && !endsWithNewline) throw new RecordingFileError(name, `is truncated: line ${n} is cut off and the recording has no end line`);
      throw new RecordingFileError(name, `line ${n} is not JSON: not a Nightshift recording, or a damaged one`);
    }
    if (!value || typeof value !== 'object' || typeof (value as { kind?: unknown }).kind !== 'string') throw new RecordingFileError(name, `line ${n} is not a recording line (no "kind")`);
    if (i === 0) {
      if (value.kind !== 'header' || (value as RecordingHeader).format !== RECORDING_FORMAT) throw new RecordingFileError(name, 'is not a Nightshift recording (its first line is not a recording header)');
      if ((value as RecordingHeader).version !== RECORDING_VERSION) throw new RecordingFileError(name, `is a recording of format version ${(value as RecordingHeader).version}; this Nightshift reads version ${RECORDING_VERSION}`);
      header = value as RecordingHeader;
      continue;
    }
    if (ending) throw new RecordingFileError(name, `line ${n} follows the end line: two recordings in one file, or a damaged one`);
    if (value.kind === 'blob') {
      if (typeof value.hash !== 'string' || typeof value.text !== 'string') throw new RecordingFileError(name, `line ${n} is a damaged text line`);
      blobs.set(value.hash, value.text);
    } else if (value.kind === 'end') {
      ending = value;
    } else if (ENTRY_KINDS.has(value.kind)) {
      const e = value as RecordEntry;
      if (typeof e.seq !== 'number') throw new RecordingFileError(name, `line ${n} is a ${e.kind} record without its sequence number`);
      if (e.kind === 'model') {
        if (!e.digest || !Array.isArray(e.parts) || !Array.isArray(e.digest.messages)) throw new RecordingFileError(name, `line ${n} is a damaged model record`);
        for (const h of [e.digest.system, ...e.digest.messages, e.digest.tools]) if (!blobs.has(h)) throw new RecordingFileError(name, `line ${n} names request text ${h}, which no earlier line holds`);
      }
      entries.push(e);
    } else {
      throw new RecordingFileError(name, `line ${n} is of an unknown kind "${value.kind}"`);
    }
  }
  if (!header) throw new RecordingFileError(name, 'is not a Nightshift recording (no header)');
  if (!ending) throw new RecordingFileError(name, `is truncated: it ends after line ${rows.length} without its end line (the recorded run did not finish writing it)`);
  return { header, entries, blobs, ending };
}

/** A recording as NDJSON text (the database's recording, exported). */
export function recordingToNdjson(r: LoadedRecording): string {
  const lines: RecordingLine[] = [r.header];
  const written = new Set<string>();
  for (const e of r.entries) {
    if (e.kind === 'model') {
      for (const h of [e.digest.system, ...e.digest.messages, e.digest.tools]) {
        if (written.has(h) || !r.blobs.has(h)) continue;
        written.add(h);
        lines.push({ kind: 'blob', hash: h, text: r.blobs.get(h)! });
      }
    }
    lines.push(e);
  }
  if (r.ending) lines.push(r.ending);
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}
