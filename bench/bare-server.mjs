// The ceiling: a bare node:https server answering "ok", with the same kind of certificate doorman uses.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

// An optional fourth argument names a file whose bytes are served instead of "ok" (same-size
// comparisons: how much of a ratio is doorman's work and how much is a bigger answer).
const [certFile, keyFile, port, bodyFile] = process.argv.slice(2);
const body = bodyFile ? readFileSync(bodyFile) : 'ok';
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  res.writeHead(200, { 'Content-Type': bodyFile ? 'application/json' : 'text/plain; charset=utf-8' });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.stderr.write('Serving securely on bare\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
