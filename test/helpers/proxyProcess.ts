// The round-robin proxy of replicas.ts in a process of its own, as a real balancer would be, so
// a benchmark's callers and the proxy do not share one event loop. Run as
// `node --import tsx test/helpers/proxyProcess.ts`; it prints `proxy on <url>` once listening,
// then takes one replica URL per line on stdin, and stops when stdin ends.
import { createInterface } from 'node:readline';
import { startProxy } from './replicas.js';

const proxy = await startProxy();
process.stdout.write(`proxy on ${proxy.url}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim()) process.stdout.write(`added ${proxy.add(line.trim())}\n`);
});
lines.once('close', () => {
  void proxy.close().then(() => process.exit(0));
});
