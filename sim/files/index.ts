// The files service of the simulator: each user's namespaces live in a directory on disk. It
// answers the way beclab/files does (docs/wire/files.md, docs/wire/auth.md; fixtures in test/fixtures/wire/files):
// 500 "Directory not exist." and 400 "File not exist" for missing paths, a 302 to /seafhttp for
// sync raw reads, version-suffixed names instead of overwrites, paste and tasks that live on one
// node of a multi-node box listed in random order, and node routes that take only the cookie.
import type { Simulator } from '../server.js';
import { registerArchive } from './archive.js';
import { registerPaste } from './paste.js';
import { registerRepos } from './repos.js';
import { registerEdits, registerListing, registerRawReads } from './resources.js';
import { registerShares } from './shares.js';
import { filesState } from './state.js';
import { registerUpload } from './upload.js';

export { versionSuffixed } from './state.js';

export function registerFiles(sim: Simulator) {
  const state = filesState(sim);
  registerListing(sim, state);
  registerEdits(sim, state);
  registerRawReads(sim, state);
  registerUpload(sim, state);
  registerPaste(sim, state);
  registerShares(sim, state);
  registerArchive(sim, state);
  registerRepos(sim, state);
}
