import { parseArgs } from 'node:util';
import { replayBody } from '../../llm/replay';
import { VENDORS, type Vendor } from '../../llm/dialects/vendors';
import { DIALECTS, type Dialect } from '../../llm/types';

const USAGE = `usage: nightshift llm-replay --dialect openai|anthropic|ollama [--chunk-bytes N] [--vendor ${VENDORS.join('|')}] < BODY`;
/** Without --chunk-bytes the body is fed in pieces of a typical socket read. */
const DEFAULT_CHUNK_BYTES = 4096;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Feeds a recorded HTTP response body (SSE or NDJSON) through the same parser, normaliser and
 * tool-call tracker the providers use, and prints one JSON line describing the response.
 */
export async function run(argv: string[]): Promise<number> {
  let values: { dialect?: string; 'chunk-bytes'?: string; vendor?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dialect: { type: 'string' },
        'chunk-bytes': { type: 'string' },
        vendor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dialect = values.dialect as Dialect | undefined;
  if (!dialect || !DIALECTS.includes(dialect)) {
    process.stderr.write(`--dialect must be one of ${DIALECTS.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const chunkBytes = values['chunk-bytes'] === undefined ? DEFAULT_CHUNK_BYTES : Number(values['chunk-bytes']);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    process.stderr.write(`--chunk-bytes must be a positive whole number, got "${values['chunk-bytes']}"\n${USAGE}\n`);
    return 2;
  }
  const vendor = values.vendor as Vendor | undefined;
  if (vendor !== undefined && !VENDORS.includes(vendor)) {
    process.stderr.write(`--vendor must be one of ${VENDORS.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const body = await readStdin();
  process.stdout.write(`${JSON.stringify(replayBody(dialect, body, chunkBytes, { vendor }))}\n`);
  return 0;
}
