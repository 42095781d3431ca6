/** A log function that prints each distinct message once (the cluster's placement is reported by every start). */
export function onceEach(log: (msg: string) => void): (msg: string) => void {
  const seen = new Set<string>();
  return (msg) => {
    if (seen.has(msg)) return;
    seen.add(msg);
    log(msg);
  };
}
