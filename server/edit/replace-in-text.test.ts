import { describe, expect, it } from 'vitest';
import { replaceInText } from './replace-in-text';

const JS = [
  'function greet(name) {',
  '  const greeting = "Hello";',
  '  if (name) {',
  '    return greeting + ", " + name;',
  '  }',
  '  return greeting;',
  '}',
  '',
  'function part(a, b) {',
  '  const sum = a + b;',
  '  const product = a * b;',
  '  const diff = a - b;',
  '  const quot = a / b;',
  '  return [sum, product, diff, quot];',
  '}',
  '',
].join('\n');

function applied(text: string, search: string, replace: string) {
  const out = replaceInText(text, search, replace);
  if (!out.ok) throw new Error(`expected an apply, got ${out.refusal.kind}: ${out.refusal.message}`);
  return out;
}

function refused(text: string, search: string, replace: string) {
  const out = replaceInText(text, search, replace);
  if (out.ok) throw new Error(`expected a refusal, got level ${out.level}:\n${out.content}`);
  return out.refusal;
}

describe('cascade levels', () => {
  it('exact: a unique substring is replaced in place', () => {
    const out = applied(JS, '  const sum = a + b;\n', '  const sum = b + a;\n');
    expect(out.level).toBe('exact');
    expect(out.content).toBe(JS.replace('a + b;', 'b + a;'));
  });

  it('exact: a fragment inside a line behaves like a string replace', () => {
    const out = applied(JS, 'a * b', 'b * a');
    expect(out.content).toBe(JS.replace('a * b', 'b * a'));
  });

  it('line endings: an LF search edits a CRLF file and the file stays CRLF', () => {
    const crlf = JS.replace(/\n/g, '\r\n');
    const out = applied(crlf, '  const sum = a + b;\n  const product = a * b;\n', '  const sum = a + b + 0;\n  const product = a * b;\n');
    expect(out.level).toBe('line-endings');
    expect(out.content).toBe(crlf.replace('a + b;', 'a + b + 0;'));
    expect(out.content.split('\r\n').length).toBe(crlf.split('\r\n').length);
    expect(out.content.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('trailing whitespace on search lines is ignored', () => {
    const out = applied(JS, '  const sum = a + b;   \n  const product = a * b;\t\n', '  const sum = 1;\n  const product = 2;\n');
    expect(out.level).toBe('trailing-whitespace');
    expect(out.content).toContain('  const sum = 1;\n  const product = 2;\n  const diff');
  });

  it('indentation: a dedented search matches and the replacement is re-indented', () => {
    const out = applied(JS, 'if (name) {\n  return greeting + ", " + name;\n}\n', 'if (name) {\n  return `${greeting}, ${name}`;\n}\n');
    expect(out.level).toBe('indentation');
    expect(out.content).toContain('  if (name) {\n    return `${greeting}, ${name}`;\n  }\n');
  });

  it('indentation: a single dedented line gets its indentation back, also for extra lines', () => {
    const out = applied(JS, 'return greeting;\n', 'log(greeting);\nreturn greeting;\n');
    expect(out.content).toContain('  }\n  log(greeting);\n  return greeting;\n}');
  });

  it('indentation: tabs written as spaces keep the file in tabs', () => {
    const tabs = 'func main() {\n\tif ok {\n\t\trun()\n\t}\n}\n';
    const out = applied(tabs, '    if ok {\n        run()\n    }\n', '    if ok {\n        run()\n        stop()\n    }\n');
    expect(out.level).toBe('indentation');
    expect(out.content).toBe('func main() {\n\tif ok {\n\t\trun()\n\t\tstop()\n\t}\n}\n');
  });

  it('indentation: spaces written as tabs keep the file in spaces', () => {
    const spaces = 'def f():\n    if x:\n        y()\n';
    const out = applied(spaces, '\tif x:\n\t\ty()\n', '\tif x:\n\t\tz()\n');
    expect(out.content).toBe('def f():\n    if x:\n        z()\n');
  });

  it('indentation: a whitespace-only line of the replace is written in the file\'s style too', () => {
    const spaces = 'function f() {\n  if (x) {\n    y();\n  }\n}\n';
    // "\t" stood for two spaces and "\t  " for four; a whitespace-only "\t\t" (8 columns) becomes 6 spaces.
    const out = applied(spaces, '\tif (x) {\n\t  y();\n', '\tif (x) {\n\t  y();\n\t\t\n\t  z();\n');
    expect(out.content).toBe('function f() {\n  if (x) {\n    y();\n      \n    z();\n  }\n}\n');
  });

  it('line numbers: prefixes copied from a numbered view are stripped (all three styles)', () => {
    const styles = [
      '    10\t  const sum = a + b;\n    11\t  const product = a * b;\n',
      '10 |   const sum = a + b;\n11 |   const product = a * b;\n',
      '10:   const sum = a + b;\n11:   const product = a * b;\n',
    ];
    for (const search of styles) {
      const out = applied(JS, search, '  const sum = a + b;\n  const product = 0;\n');
      expect(out.level).toBe('line-numbers');
      expect(out.content).toBe(JS.replace('a * b;', '0;'));
    }
  });

  it('line numbers: a replacement is only stripped when numbered like its search, so "422: (…)" in code stays', () => {
    const py = 'codes = {\n    421: ("misdirected",),\n    422: ("unprocessable",),\n}\n';
    const out = applied(py, '     3\t    422: ("unprocessable",),\n', '    422: ("unprocessable", "unprocessable_content"),\n');
    expect(out.level).toBe('line-numbers');
    expect(out.content).toBe('codes = {\n    421: ("misdirected",),\n    422: ("unprocessable", "unprocessable_content"),\n}\n');
    // Copied from the same numbered view, the replacement loses its numbers too.
    expect(applied(py, '3:     422: ("unprocessable",),\n', '3:     422: ("x",),\n').content).toContain('\n    422: ("x",),\n}');
  });

  it('indentation: one line quoted without its indentation, with the blank lines after it, keeps the replacement at that indentation', () => {
    const py = 'class T:\n    def a(self):\n        assert x == 1\n\n\nz = 1\n';
    const out = applied(py, '    assert x == 1\n\n\n', '    assert x == 1\n\ndef b(self):\n    pass\n\n\n');
    expect(out.content).toBe('class T:\n    def a(self):\n        assert x == 1\n\n    def b(self):\n        pass\n\n\nz = 1\n');
  });

  it('line numbers: prefixes are only stripped when they run consecutively', () => {
    const r = refused(JS, '10 |   const sum = a + b;\n12 |   const product = a * b;\n', 'x\n');
    expect(r.kind).toBe('not-found');
  });

  it('blank lines: a blank line added to or dropped from the search still matches', () => {
    const added = applied(JS, '  return greeting;\n}\n\n\nfunction part(a, b) {\n', '  return greeting + "!";\n}\n\nfunction part(a, b) {\n');
    expect(added.level).toBe('blank-lines');
    expect(added.content).toContain('  return greeting + "!";\n}\n\nfunction part(a, b) {');
    const dropped = applied(JS, '  return greeting;\n}\nfunction part(a, b) {\n', '  return greeting + "?";\n}\n\nfunction part(a, b) {\n');
    expect(dropped.level).toBe('blank-lines');
    expect(dropped.content).toContain('  return greeting + "?";\n}\n\nfunction part(a, b) {');
  });

  it('blank lines: a search opening with more blank lines than the file has takes them as lines, not as the newline of the line above', () => {
    // "\n\n  return c\n" stands in the file as a substring (the newline ending "  b", one blank
    // line), but replaced as a string it would join "  b" to the next line.
    const file = 'a {\n  b\n\n  return c\n}\n';
    const deleted = applied(file, '\n\n  return c\n', '');
    expect(deleted.content).toBe('a {\n  b\n}\n');
    const inserted = applied('x\n\n## Y\n\nz\n', '\n\n## Y\n', '\nNote\n\n## Y\n');
    expect(inserted.content).toBe('x\n\nNote\n\n## Y\n\nz\n');
    // A replace without the leading newline asks to join the lines, as a string replace does.
    const joined = applied('promise\n  .then(done);\n', '\n  .then(', '.then(');
    expect(joined.content).toBe('promise.then(done);\n');
    // But a search that quotes blank lines before a line is about lines: never a join.
    const lines = applied(')\n\nfrom .codes import codes\n', '\n\nfrom .codes import codes\n', 'from .hooks import hooks\n');
    expect(lines.content).toBe(')\nfrom .hooks import hooks\n');
  });

  it('elision: "..." lines stand for unchanged lines, which are kept', () => {
    for (const marker of ['  ...', '  // ... existing code ...']) {
      const out = applied(
        JS,
        `function part(a, b) {\n  const sum = a + b;\n${marker}\n  return [sum, product, diff, quot];\n}\n`,
        `function part(a, b, c) {\n  const sum = a + b + c;\n${marker}\n  return [sum, product, diff, quot];\n}\n`,
      );
      expect(out.level).toBe('elision');
      expect(out.content).toBe(JS.replace('part(a, b)', 'part(a, b, c)').replace('a + b;', 'a + b + c;'));
    }
  });

  it('elision: "..." lines that are the file\'s own text do not make the search an elided one', () => {
    const readme = '# Usage\n\n```js\nconst tool = require("tool");\n...\ntool.run(options);\n```\n\nSee the docs.\n';
    // One line misremembered (its quotes), so only the fuzzy level can place it; the "..." is text.
    const search = "```js\nconst tool = require('tool');\n...\ntool.run(options);\n```\n";
    // The replace drops the "..." line: as markers, the counts would differ and the edit be refused.
    const out = applied(readme, search, '```js\nconst tool = require("tool");\ntool.run({ all: true });\n```\n');
    expect(out.level).toBe('fuzzy');
    expect(out.content).toBe(readme.replace('...\ntool.run(options)', 'tool.run({ all: true })'));
  });

  it('elision: "# ..." works for Python', () => {
    const py = 'def f(x):\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c + x\n';
    const out = applied(py, 'def f(x):\n    # ...\n    return a + b + c + x\n', 'def f(x, y):\n    # ...\n    return a + b + c + x + y\n');
    expect(out.content).toBe('def f(x, y):\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c + x + y\n');
  });

  it('elision: different marker counts in search and replace are refused', () => {
    const r = refused(JS, 'function part(a, b) {\n...\n}\n', 'function part(a, b) {\n}\n');
    expect(r.kind).toBe('invalid');
    expect(r.message).toMatch(/elision marker/);
  });

  it('fuzzy: one misremembered line (quote style) still matches when nothing stricter does', () => {
    const out = applied(
      JS,
      "function greet(name) {\n  const greeting = 'Hello';\n  if (name) {\n",
      'function greet(name = "you") {\n  const greeting = "Hello";\n  if (name) {\n',
    );
    expect(out.level).toBe('fuzzy');
    expect(out.content).toBe(JS.replace('greet(name)', 'greet(name = "you")'));
  });

  it('fuzzy: two misremembered lines are refused', () => {
    const r = refused(JS, "function greet(name) {\n  const greeting = 'Hello'\n  if (name) {\n    return greeting + ', ' + name;\n", 'x\n');
    expect(r.kind).toBe('not-found');
  });

  it('fuzzy: a short search (fewer than three lines) is not guessed beyond quotes/semicolons', () => {
    const r = refused(JS, '  const greetings = "Hello";\n  if (name) {\n', 'x\n');
    expect(r.kind).toBe('not-found');
  });
});

describe('refusals', () => {
  it('ambiguous: more than one exact place is refused, naming the lines', () => {
    const text = 'a();\nb();\na();\n';
    const r = refused(text, 'a();\n', 'c();\n');
    expect(r.kind).toBe('ambiguous');
    expect(r.message).toContain('lines 1, 3');
  });

  it('ambiguous: two places at a looser level are refused too', () => {
    const text = 'if (x) {\n  go();\n}\nwhile (y) {\n    go();\n}\n';
    const r = refused(text, 'go();\n', 'stop();\n');
    expect(r.kind).toBe('ambiguous');
  });

  it('not found: the message carries a numbered excerpt of the closest region', () => {
    const r = refused(JS, '  const summ = a + c;\n  const prodct = a * c;\n', 'x\n');
    expect(r.kind).toBe('not-found');
    expect(r.message).toMatch(/Did you mean lines 10-11\?/);
    expect(r.message).toContain('10 |   const sum = a + b;');
    expect(r.message).toContain('11 |   const product = a * b;');
  });

  it('not found: nothing similar gives a plain message', () => {
    const r = refused(JS, 'zz_qq_xx_ww_vv_uu\n', 'x\n');
    expect(r.kind).toBe('not-found');
    expect(r.message).not.toMatch(/Did you mean/);
  });

  it('already applied: the replacement text is in the file and the search is not', () => {
    const r = refused(JS, '  const sum = a - b;\n', '  const sum = a + b;\n');
    expect(r.kind).toBe('already-applied');
    expect(r.message).toContain('line 10');
  });

  it('no-op and empty searches are refused', () => {
    expect(refused(JS, 'a + b', 'a + b').kind).toBe('no-op');
    expect(refused(JS, '  \n', 'x').kind).toBe('invalid');
  });
});

describe('what the file keeps', () => {
  it('keeps a BOM', () => {
    const out = applied('\uFEFFone\ntwo\n', 'two\n', 'three\n');
    expect(out.content).toBe('\uFEFFone\nthree\n');
  });

  it('keeps a missing final newline', () => {
    expect(applied('one\ntwo', '  two\n', '  three\n').content).toBe('one\nthree');
    expect(applied('one\ntwo', 'two', 'three').content).toBe('one\nthree');
  });

  it('adds a final newline only when the replace asks for one the search did not have', () => {
    expect(applied('one\ntwo', 'one\ntwo', 'one\ntwo\n').content).toBe('one\ntwo\n');
  });

  it('keeps each untouched line ending in a mixed file', () => {
    const mixed = 'a\r\nb\nc\r\nd\r\n';
    expect(applied(mixed, 'c\n', 'C\n').content).toBe('a\r\nb\nC\r\nd\r\n');
  });

  it('keeps the indentation of a tab file when the search used spaces', () => {
    const out = applied('x:\n\ty = 1\n\tz = 2\n', '    y = 1\n', '    y = 10\n');
    expect(out.content).toBe('x:\n\ty = 10\n\tz = 2\n');
  });

  it('keeps every blank line the replacement writes, even where the file already has blank lines after the search (CRLF Python)', () => {
    const py = 'def a():\r\n    x = 1\r\n\r\n\r\ndef b():\r\n    pass\r\n';
    // The replacement ends with a blank line the search does not have: three blank lines, as written.
    expect(applied(py, '    x = 1\n', '    x = 2\n\n').content).toBe('def a():\r\n    x = 2\r\n\r\n\r\n\r\ndef b():\r\n    pass\r\n');
    // The same at the start: a replacement opening with a blank line, after blank lines in the file.
    expect(applied(py, 'def b():\n', '\ndef b(y):\n').content).toBe('def a():\r\n    x = 1\r\n\r\n\r\n\r\ndef b(y):\r\n    pass\r\n');
    // LF, one blank line after: two blank lines, as written.
    expect(applied('a = 1\n\nb = 2\n', 'a = 1\n', 'a = 10\n\n').content).toBe('a = 10\n\n\nb = 2\n');
  });

  it('a deletion leaves the blank lines around it as a string replace would (the request decides, not a guess)', () => {
    expect(applied('a\n\nb1\nb2\n\nc\n', 'b1\nb2\n', '').content).toBe('a\n\n\nc\n');
    expect(applied('a\n\nb\n', 'b\n', '').content).toBe('a\n\n');
    const go = 'func f() {\n\tif a {\n\t\tb()\n\t}\n\n\tc()\n}\n';
    expect(applied(go, '\tif a {\n\t\tb()\n\t}\n', '').content).toBe('func f() {\n\n\tc()\n}\n');
    // The blank line deleted with the block, when the search quotes it.
    expect(applied('a\n\nb1\nb2\n\nc\n', 'b1\nb2\n\n', '').content).toBe('a\n\nc\n');
  });
});

describe('safety rules', () => {
  it('elision: a short tail ("  }" + "}") that repeats is taken nearest only after a short gap', () => {
    const steps = Array.from({ length: 12 }, (_, i) => `    step${i}();`);
    const far = ['function big() {', '  start();', ...steps, '  }', '}', 'x();', '  }', '}', ''].join('\n');
    const search = 'function big() {\n  start();\n  ...\n  }\n}\n';
    const replace = 'function big() {\n  begin();\n  ...\n  }\n}\n';
    expect(refused(far, search, replace).kind).toBe('ambiguous');
    const near = ['function big() {', '  start();', '    step();', '  }', '}', 'x();', '  }', '}', ''].join('\n');
    expect(applied(near, search, replace).content).toBe(near.replace('start()', 'begin()'));
  });

  it('elision: a single-line segment that repeats around the gap is refused', () => {
    const text = 'if (a) {\n  one();\n  two();\n}\nif (b) {\n  three();\n}\n';
    const r = refused(text, 'if (a) {\n...\n}\n', 'if (a && ok) {\n...\n}\n');
    expect(r.kind).toBe('ambiguous');
    expect(r.message).toMatch(/distinctive lines/);
  });

  it('tabs/spaces: refused where the file itself mixes tabs and spaces', () => {
    const mixed = 'func f() {\n  if a {\n    b()\n  }\n\tc()\n}\n';
    const r = refused(mixed, '  if a {\n\tb()\n  }\n', '  if a {\n\tb2()\n  }\n');
    expect(r.kind).toBe('ambiguous');
    expect(r.message).toMatch(/mixes tabs and spaces/);
  });

  it('indentation: a whole line quoted without indentation re-indents every replacement line', () => {
    const text = 'class A {\n    run() {\n        go();\n    }\n}\n';
    expect(applied(text, 'go();\n', 'ready();\ngo();\n').content).toBe('class A {\n    run() {\n        ready();\n        go();\n    }\n}\n');
    expect(applied(text, 'go();', '').content).toBe('class A {\n    run() {\n    }\n}\n');
  });

  it('indentation: in a file that indents its blank lines, inner blank lines get the indentation', () => {
    const text = 'def f():\n    a = 1\n    \n    b = 2\n    \n    return a\n';
    const out = applied(text, 'b = 2\n', 'b = 2\n\nc = 3\n');
    expect(out.content).toBe('def f():\n    a = 1\n    \n    b = 2\n    \n    c = 3\n    \n    return a\n');
  });

  it('an elision marker only in the replace is refused (it would be written into the file)', () => {
    const r = refused(JS, '  const sum = a + b;\n', '  const sum = a + b;\n  // ... existing code ...\n');
    expect(r.kind).toBe('invalid');
  });
});

describe('elision heads', () => {
  it('a repeated two-line head takes the occurrence nearest the rest (the shortest gap)', () => {
    const text = 'setup();\nrun();\nwork(1);\nsetup();\nrun();\nwork(2);\nfinish_everything_now();\n';
    const out = applied(text, 'setup();\nrun();\n...\nfinish_everything_now();\n', 'setup(true);\nrun();\n...\nfinish_everything_now();\n');
    expect(out.content).toBe('setup();\nrun();\nwork(1);\nsetup(true);\nrun();\nwork(2);\nfinish_everything_now();\n');
  });

  it('a weak head far from the rest is refused when it repeats', () => {
    const body = Array.from({ length: 12 }, (_, i) => `  step${i}();`);
    const text = ['{', '  a();', '{', ...body, 'finish_everything_now();', ''].join('\n');
    const r = refused(text, '{\n...\nfinish_everything_now();\n', '{ // x\n...\nfinish_everything_now();\n');
    expect(r.kind).toBe('ambiguous');
  });
});

describe('dedented replacements that leave their block', () => {
  it('refuses when the replace closes blocks opened above a dedented search', () => {
    const go = 'func f() {\n\tfor _, x := range xs {\n\t\tif x {\n\t\t\tuse(x)\n\t\t}\n\t}\n}\n';
    // The model lost the indentation; its replace closes the `for` too, whose depth it no longer shows.
    const r = refused(go, 'if x {\n\tuse(x)\n}\n', 'if x {\n\tuse(x)\n}\n}\nafter()\n');
    expect(r.kind).toBe('ambiguous');
    expect(r.message).toMatch(/closes blocks opened above/);
  });

  it('still re-indents a dedented replace whose brackets balance', () => {
    const go = 'func f() {\n\tfor _, x := range xs {\n\t\tif x {\n\t\t\tuse(x)\n\t\t}\n\t}\n}\n';
    const out = applied(go, 'if x {\n\tuse(x)\n}\n', 'if x {\n\tuse(x)\n\tlog(x)\n}\n');
    expect(out.content).toBe('func f() {\n\tfor _, x := range xs {\n\t\tif x {\n\t\t\tuse(x)\n\t\t\tlog(x)\n\t\t}\n\t}\n}\n');
  });
});

describe('fuzzy with two lines', () => {
  it('accepts a two-line search whose odd line differs only in quotes or a semicolon', () => {
    const text = "const a = require('a');\nconst b = require('b');\nconst c = 1;\n";
    const out = applied(text, 'const a = require("a")\nconst b = require(\'b\');\n', "const a = require('a2');\nconst b = require('b');\n");
    expect(out.level).toBe('fuzzy');
    expect(out.content).toBe("const a = require('a2');\nconst b = require('b');\nconst c = 1;\n");
  });

  it('refuses a two-line search whose odd line differs in words', () => {
    const text = "const a = require('a');\nconst b = require('b');\n";
    expect(refused(text, "const a = require('x');\nconst b = require('b');\n", 'y\n').kind).toBe('not-found');
  });
});

describe('identical search and replace: the blank line the model changed and lost', () => {
  const PY = ['def load(path):', '    data = read(path)', '', '    return parse(data)', '', '', 'def save():', '    pass', ''].join('\n');

  it('removes the one blank line between quoted lines that the file has and the quote lacks', () => {
    const out = applied(PY, '    data = read(path)\n    return parse(data)\n', '    data = read(path)\n    return parse(data)\n');
    expect(out.level).toBe('blank-lines');
    expect(out.content).toBe(PY.replace('read(path)\n\n', 'read(path)\n'));
  });

  it('adds the one blank line the quote has and the file lacks', () => {
    const text = 'x = 1\ny = 2\nz = 3\n';
    expect(applied(text, 'x = 1\n\ny = 2\n', 'x = 1\n\ny = 2\n').content).toBe('x = 1\n\ny = 2\nz = 3\n');
  });

  it('removes a blank line at the one edge of the quote that touches blank lines', () => {
    const text = '\n/* header */\nconst a = 1;\n';
    expect(applied(text, '/* header */\n', '/* header */\n').content).toBe('/* header */\nconst a = 1;\n');
  });

  it('refuses when blank lines touch both edges, or the quote differs by more than one blank line', () => {
    expect(refused(PY, '    return parse(data)\n', '    return parse(data)\n').kind).toBe('no-op');
    const twoGaps = 'a()\n\nb()\n\nc()\nd()\n';
    expect(refused(twoGaps, 'a()\nb()\nc()\n', 'a()\nb()\nc()\n').kind).toBe('no-op');
  });

  it('refuses when the quote also lost its indentation (its blank lines may all be gone)', () => {
    const text = 'function f() {\n  one();\n\n  two();\n}\n';
    expect(refused(text, 'one();\ntwo();\n', 'one();\ntwo();\n').kind).toBe('no-op');
  });
});

describe('blank lines of a dedented replacement follow the blank lines around the edit', () => {
  // Most of the file leaves blank lines empty; the function being edited indents them.
  const mixed = [
    'function a() {',
    '  one();',
    '',
    '  two();',
    '}',
    '',
    'function b() {',
    '  three();',
    '',
    '  four();',
    '}',
    '',
    'function c() {',
    '  start();',
    '  ',
    '  if (x) {',
    '    five();',
    '  }',
    '  ',
    '  six();',
    '}',
    '',
  ].join('\n');

  it('indents an inner blank line where the nearest blank lines are indented', () => {
    const out = applied(mixed, 'five();\n', 'five();\n\nseven();\n');
    expect(out.content).toContain('    five();\n    \n    seven();\n');
  });

  it('leaves it empty where the nearest blank lines are empty, whatever most of the file does', () => {
    // The reverse: blank lines indented everywhere but in function c.
    const indented = mixed.replace(/\n\n/g, '\n  \n').replace(/start\(\);\n  \n/, 'start();\n\n').replace(/ {2}}\n {2}\n {2}six/, '  }\n\n  six');
    expect(indented.split('\n').filter((l) => l === '  ').length).toBe(4);
    const out = applied(indented, 'five();\n', 'five();\n\nseven();\n');
    expect(out.content).toContain('    five();\n\n    seven();\n');
  });
});
