// The floor for a download in Node on this machine: one undici request, each buffer written
// synchronously as it arrives, nothing else (no MCP, no auth, no server heap). bench/transfer.ts
// runs it beside curl and files_download so the table shows what the runtime itself costs.
// Usage: node bench/node-download.mjs <url> <access token> <output file>
import { closeSync, openSync, writeSync } from 'node:fs';
import { request } from 'undici';

const [url, token, out] = process.argv.slice(2);
const res = await request(url, { headers: { 'x-authorization': token }, highWaterMark: 4 * 2 ** 20 });
if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} for ${url}`);
const fd = openSync(out, 'w', 0o600);
let position = 0;
for await (const chunk of res.body) {
  for (let done = 0; done < chunk.length; ) {
    const n = writeSync(fd, chunk, done, chunk.length - done, position);
    done += n;
    position += n;
  }
}
closeSync(fd);
