/**
 * The program that runs inside the setup sandbox, in front of every command: it listens on the
 * sandbox's own loopback (a port the kernel picks), hands each connection to the egress proxy's
 * unix socket, and runs the command with HTTP(S)_PROXY pointing at itself, exiting with the
 * command's status. It is plain CommonJS for whatever `node` the sandbox has, and it grants
 * nothing: the socket it forwards to enforces the allow-list.
 *
 * Usage inside: node forwarder.cjs SOCKET -- CMD ARGS…
 */
export const FORWARDER_SOURCE = String.raw`'use strict';
const net = require('net');
const os = require('os');
const { spawn } = require('child_process');
const argv = process.argv.slice(2);
const socketPath = argv[0];
const sep = argv.indexOf('--');
const cmd = sep >= 0 ? argv.slice(sep + 1) : [];
if (!socketPath || cmd.length === 0) {
  process.stderr.write('usage: forwarder.cjs SOCKET -- CMD ARGS...\n');
  process.exit(2);
}
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.on('error', (e) => {
  process.stderr.write('[egress] forwarder failed: ' + e.message + '\n');
  process.exit(125);
});
server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port;
  const env = Object.assign({}, process.env, {
    HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url,
    npm_config_proxy: url, npm_config_https_proxy: url,
    NO_PROXY: '', no_proxy: '',
  });
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write('cannot run ' + cmd[0] + ': ' + e.message + '\n');
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    process.exit(code !== null ? code : 128 + (os.constants.signals[signal] || 1));
  });
});
`;
