import { calleeTail, enclosingFunction, isAsyncFunction, keywordArg, qualifiedName, type PyRule } from '../py-tree';

const MUTABLE_LITERALS = new Set(['list', 'dictionary', 'set', 'list_comprehension', 'dictionary_comprehension', 'set_comprehension']);

export const pyMutableDefault: PyRule = {
  id: 'py/mutable-default-arg',
  category: 'correctness',
  language: 'python',
  severity: 'medium',
  title: 'Mutable default argument',
  message: 'A default list/dict/set is created once, when the function is defined, and shared by every call: what one call appends, the next one sees.',
  instead: 'Default to `None` and create the value inside: `def add(item, items=None): items = [] if items is None else items`.',
  types: ['default_parameter', 'typed_default_parameter'],
  check(node, ctx) {
    const value = node.childForFieldName('value');
    if (!value) return;
    const mutableCall = value.type === 'call' && ['list', 'dict', 'set'].includes(value.childForFieldName('function')?.text ?? '');
    if (MUTABLE_LITERALS.has(value.type) || mutableCall) ctx.report(node);
  },
};

export const pyDebugServer: PyRule = {
  id: 'py/debug-server',
  category: 'secrets',
  language: 'python',
  severity: 'high',
  title: 'Web app started with `debug=True`',
  message: "Flask/Werkzeug's debugger lets anyone who reaches the page run Python on the server.",
  instead: 'Read the switch from the environment and default it off: `app.run(debug=os.environ.get("FLASK_DEBUG") == "1")`; in production serve with gunicorn/uvicorn.',
  types: ['call'],
  check(node, ctx) {
    if (calleeTail(node) !== 'run') return;
    if (keywordArg(node, 'debug')?.type === 'true') ctx.report(node);
  },
};

export const pyTempfileMktemp: PyRule = {
  id: 'py/tempfile-mktemp',
  category: 'correctness',
  language: 'python',
  severity: 'medium',
  title: '`tempfile.mktemp`',
  message: '`mktemp` returns a name without creating the file; another process can create it first (race, symlink attack).',
  instead: 'Create the file atomically: `with tempfile.NamedTemporaryFile(delete=False) as f:` or `fd, path = tempfile.mkstemp()`.',
  types: ['call'],
  check(node, ctx) {
    if (qualifiedName(node.childForFieldName('function'), ctx.imports) === 'tempfile.mktemp') ctx.report(node);
  },
};

const BLOCKING = /^(?:time\.sleep|requests\.(?:get|post|put|patch|delete|head|request)|urllib\.request\.urlopen|subprocess\.(?:run|call|check_call|check_output))$/;

export const pySyncIoInAsync: PyRule = {
  id: 'py/sync-io-in-async',
  category: 'performance',
  language: 'python',
  severity: 'medium',
  title: 'Blocking I/O inside `async def`',
  message: 'A blocking call inside `async def` stops the event loop: every other request on this worker waits.',
  instead: 'Use the async form — `await asyncio.sleep(1)`, `async with httpx.AsyncClient() as c: await c.get(url)`, `await asyncio.to_thread(path.read_text)` for files.',
  types: ['call'],
  check(node, ctx) {
    const fn = node.childForFieldName('function');
    const name = qualifiedName(fn, ctx.imports) ?? '';
    const blocking = BLOCKING.test(name) || (fn?.type === 'identifier' && fn.text === 'open' && !ctx.imports.has('open'));
    if (!blocking || !isAsyncFunction(enclosingFunction(node))) return;
    // `await` in front means it is not the blocking function after all (an async wrapper of the same name).
    if (node.parent?.type === 'await') return;
    ctx.report(node, `\`${name}\` blocks inside \`async def\`: every other request on this event loop waits.`);
  },
};
