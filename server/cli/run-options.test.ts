import { describe, expect, it } from 'vitest';
import { parseRunArgs } from './run-options';

const base = ['--repo', 'some/repo', '--spec', 'x.md', '--model', 'openai:x'];
const errorOf = (argv: string[], env: Record<string, string | undefined> = {}) => {
  const r = parseRunArgs(argv, env);
  return r.kind === 'error' ? r.message : `not refused: ${JSON.stringify(r)}`;
};

describe('nightshift run flags (checked before anything is loaded)', () => {
  it('refuses each bad flag with the message that names it', () => {
    expect(errorOf(['--spec', 'x.md', '--model', 'openai:x'])).toMatch(/^--repo required\n\nusage: nightshift run/);
    expect(errorOf(['--repo', 'r'])).toMatch(/^--spec, --model required/);
    expect(errorOf([...base, '--bogus'])).toMatch(/Unknown option '--bogus'[\s\S]*usage: nightshift run/);
    expect(errorOf([...base, '--max-cycles', '9'])).toBe('--max-cycles must be an integer from 1 to 3 (got "9")');
    expect(errorOf([...base, '--max-cycles', '1.5'])).toBe('--max-cycles must be an integer from 1 to 3 (got "1.5")');
    expect(errorOf([...base, '--concurrency', '0'])).toBe('--concurrency must be an integer from 1 to 8 (got "0")');
    expect(errorOf([...base, '--web-start', 'npm start'])).toBe('--web-start and --web-url go together: the command that starts the app and the URL it serves');
    expect(errorOf([...base, '--web-start', 'npm start', '--web-url', 'localhost:3000'])).toBe('--web-url must be http:// or https:// (got "localhost:3000")');
    expect(errorOf([...base, '--web-start', 'npm start', '--web-url', 'not a url'])).toBe('--web-url must be a URL such as http://127.0.0.1:3000 (got "not a url")');
    expect(errorOf(['--repo', 'r', '--spec', 'x.md', '--model', 'nope'])).toContain('model "nope" must be written provider:model');
    expect(errorOf([...base, '--driver', 'vm'])).toBe('unknown sandbox driver "vm"; use one of auto, docker, bwrap, none');
    expect(errorOf(base, { SANDBOX_DRIVER: 'vm' })).toBe('unknown sandbox driver "vm"; use one of auto, docker, bwrap, none');
    expect(errorOf(['--repo', 'r', '--resume', 'last', '--spec', 'x.md'])).toBe('--resume continues a recorded run with its own spec; leave out --spec');
    expect(errorOf(['--repo', 'r', '--resume', 'yesterday'])).toBe('--resume takes a run id or "last" (got "yesterday")');
  });

  it('reads good flags, with the defaults and the environment', () => {
    expect(parseRunArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseRunArgs(base, {})).toEqual({
      kind: 'run',
      options: { repo: 'some/repo', spec: 'x.md', model: 'openai:x', driver: 'auto', concurrency: 1, noSetup: false, quiet: false },
    });
    const full = parseRunArgs(
      [...base, '--base-url', 'http://127.0.0.1:9/v1', '--driver', 'bubblewrap', '--max-cycles', '2', '--concurrency', '3', '--web-start', 'npm start', '--web-url', 'http://127.0.0.1:3000', '--no-setup', '--quiet'],
      { NIGHTSHIFT_CLI_ORG: 'acme' },
    );
    expect(full).toEqual({
      kind: 'run',
      options: {
        repo: 'some/repo',
        spec: 'x.md',
        model: 'openai:x',
        org: 'acme',
        baseUrl: 'http://127.0.0.1:9/v1',
        driver: 'bwrap',
        maxCycles: 2,
        concurrency: 3,
        webTest: { startCommand: 'npm start', url: 'http://127.0.0.1:3000/' },
        noSetup: true,
        quiet: true,
      },
    });
    const id = '0b9c3f4e-2d1a-4c5b-8e7f-123456789abc';
    expect(parseRunArgs(['--repo', 'r', '--resume', id, '--org', 'mine'], { NIGHTSHIFT_CLI_ORG: 'acme' })).toMatchObject({ kind: 'run', options: { resume: id, org: 'mine' } });
    expect(parseRunArgs(['--repo', 'r', '--resume', ' last '], {})).toMatchObject({ kind: 'run', options: { resume: 'last' } });
  });
});
