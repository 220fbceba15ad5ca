// A download the usual Node way: one undici request, each buffer of the body stream written
// synchronously as it arrives, nothing else (no MCP, no auth). bench/transfer.ts times it beside
// curl and files_download: it is why files_download reads its socket itself (transport/download.ts).
// Usage: node bench/undici-download.mjs <url> <access token> <output file>
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
