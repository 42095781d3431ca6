/** The rows of a CSV text, each an array of its fields. */
export function parseCsv(text) {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split(','));
}
