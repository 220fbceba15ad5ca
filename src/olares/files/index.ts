// The files service client, one module per concern (paths, read, change, tasks, upload, shares,
// the parsers of its answers); callers import this index.
export {
  isNotFoundAnswer,
  RemoteNotFoundError,
  serverMessage,
  TaskNotFoundError,
  UploadRefusedError,
} from './answers.js';
export { ARCHIVE_SUFFIXES, type Conflict, formatOfName, SINGLE_FILE_FORMATS } from './archive.js';
export { FilesClient } from './client.js';
export {
  type Entry,
  type FilesNode,
  type Listing,
  parseLastChunk,
  parseListing,
  parseNodes,
  parseShareCreated,
  parseShareList,
  parseTask,
  type ShareRecord,
  type TaskStatus,
} from './parsers.js';
export { FILE_TYPES, PROTECTED_HOME, RemotePath, RemotePathError, stagedName, uploadRoots } from './paths.js';
export type { SyncRepo } from './repos.js';
export { type ChunkRequest, DEFAULT_CHUNK_BYTES } from './upload.js';
