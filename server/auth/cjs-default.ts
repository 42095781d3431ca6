/**
 * next-auth ships CommonJS with `exports.default`. Under Next's bundler and Vitest a default
 * import is that function; under Node's own ESM loader (the server started by tsx) it is the
 * whole `exports` object. This picks the function either way.
 */
export function cjsDefault<T>(imported: T): T {
  const inner = (imported as { default?: T } | null)?.default;
  return inner ?? imported;
}
