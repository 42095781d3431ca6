/**
 * A file's text split into lines with each line's own terminator, so that an edit can rewrite a
 * few lines and leave every other byte (BOM, CRLF or LF, final newline) exactly as it was.
 */
export type TextModel = {
  bom: string;
  lines: string[];
  /** The terminator after each line: '\n', '\r\n' or '' (only the last line may lack one). */
  eols: string[];
  /** The terminator used for lines the edit writes: the file's majority style. */
  eol: '\n' | '\r\n';
  /** False when the file has no line break at all, so `eol` is only a default. */
  eolKnown: boolean;
};

const BOM = '\uFEFF';

export function parseText(text: string): TextModel {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = bom ? text.slice(1) : text;
  const lines: string[] = [];
  const eols: string[] = [];
  let crlf = 0;
  let lf = 0;
  let start = 0;
  while (start < body.length) {
    const nl = body.indexOf('\n', start);
    if (nl === -1) {
      lines.push(body.slice(start));
      eols.push('');
      break;
    }
    if (nl > start && body[nl - 1] === '\r') {
      lines.push(body.slice(start, nl - 1));
      eols.push('\r\n');
      crlf++;
    } else {
      lines.push(body.slice(start, nl));
      eols.push('\n');
      lf++;
    }
    start = nl + 1;
  }
  return { bom, lines, eols, eol: crlf > lf ? '\r\n' : '\n', eolKnown: crlf + lf > 0 };
}

export function renderText(model: TextModel): string {
  let out = model.bom;
  for (let i = 0; i < model.lines.length; i++) out += model.lines[i] + model.eols[i];
  return out;
}

/** The text with every terminator written as '\n' (what matching works on). */
export function normalizedText(model: TextModel): string {
  let out = '';
  for (let i = 0; i < model.lines.length; i++) out += model.lines[i] + (model.eols[i] ? '\n' : '');
  return out;
}

/** Model text (search, replace) arrives with any line endings; the engine works on '\n'. */
export function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/**
 * Replace the whole lines [start, end) with `text` (LF-separated). When `text` does not end with a
 * newline its last line joins the line that follows the region, as a plain string replace would.
 * Lines outside the region keep their own terminators; written lines get the file's majority one.
 */
export function spliceLines(model: TextModel, start: number, end: number, text: string): TextModel {
  const lines = model.lines.slice(0, start);
  const eols = model.eols.slice(0, start);
  let tailLines = model.lines.slice(end);
  let tailEols = model.eols.slice(end);
  let body = text;
  let lastEol = '';
  if (body.endsWith('\n')) {
    body = body.slice(0, -1);
    // A region that ended the file without a newline keeps ending without one only when the
    // written text also lacks it; here the text asked for a newline, so it gets one.
    lastEol = model.eol;
  } else if (tailLines.length > 0) {
    body += tailLines[0];
    lastEol = tailEols[0];
    tailLines = tailLines.slice(1);
    tailEols = tailEols.slice(1);
  } else if (body === '') {
    return { ...model, lines: lines.concat(tailLines), eols: eols.concat(tailEols) };
  }
  const written = body.split('\n');
  for (let i = 0; i < written.length; i++) {
    lines.push(written[i]);
    eols.push(i === written.length - 1 ? lastEol : model.eol);
  }
  return { ...model, lines: lines.concat(tailLines), eols: eols.concat(tailEols) };
}

/** Lines of a search/replace text; one trailing newline is the end of the last line, not a line. */
export function toLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}
