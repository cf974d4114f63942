// The ceiling: a bare node:https server answering "ok", with the same kind of certificate doorman uses.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

const [certFile, keyFile, port] = process.argv.slice(2);
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('ok');
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.stderr.write('Serving securely on bare\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
