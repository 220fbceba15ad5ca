// The front-end path model of the files service (docs/wire/files.md#path-model): parsing, encoding, the
// protected names, and where an upload to a path goes (sec. 8.1).
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';

export const FILE_TYPES = [
  'awss3',
  'cache',
  'drive',
  'dropbox',
  'external',
  'google',
  'internal',
  'share',
  'sync',
  'tencent',
] as const;
const CLOUD = new Set(['awss3', 'google', 'dropbox', 'tencent']);
/** System-managed folders at exactly drive/Home/<name> (docs/wire/files.md#protected-names). */
export const PROTECTED_HOME = [
  'Cache',
  'Code',
  'Data',
  'Documents',
  'Downloads',
  'Home',
  'Huggingface',
  'Movies',
  'Music',
  'Ollama',
  'Pictures',
];

export class RemotePathError extends InvalidInputError {}

/** The name an overwrite uploads under before it takes the original's place. */
export function stagedName(name: string, seed: string): string {
  const tag = `replacing-${createHash('sha256').update(seed).digest('hex').slice(0, 8)}`;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${tag}${name.slice(dot)}` : `${name}.${tag}`;
}

/** A front-end path such as `drive/Home/Documents/a.txt`, parsed per docs/wire/files.md#path-model */
export class RemotePath {
  private constructor(
    readonly fileType: string,
    readonly extend: string,
    /** `/` for the volume root; no trailing slash otherwise. */
    readonly sub: string,
  ) {}

  static parse(raw: unknown): RemotePath {
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw new RemotePathError(
        'front-end path is empty; expected <fileType>/<extend>[/<subPath>] (e.g. drive/Home/, sync/<repo_id>/)',
      );
    }
    const trimmed = raw.trim();
    if (trimmed.includes('\0') || trimmed.includes('\\'))
      throw new RemotePathError(`path "${trimmed.slice(0, 200)}" contains a NUL byte or a backslash`);
    const segs = trimmed.split('/').filter((s) => s !== '');
    for (const s of segs) {
      if (s === '.' || s === '..') {
        throw new RemotePathError(
          `path segment "${s}" is a reserved name (path traversal is refused): ${trimmed.slice(0, 200)}`,
        );
      }
    }
    if (segs.length < 2) {
      throw new RemotePathError(
        `front-end path "${trimmed.slice(0, 200)}" must have <fileType>/<extend>[/<subPath>] (got only ${segs.length} segment(s); try e.g. "drive/Home/")`,
      );
    }
    const [fileType, extend, ...rest] = segs;
    if (!(FILE_TYPES as readonly string[]).includes(fileType)) {
      throw new RemotePathError(
        `unknown fileType "${fileType.slice(0, 40)}", expected one of: ${FILE_TYPES.join(', ')}`,
      );
    }
    if (fileType === 'drive' && !['Home', 'Data', 'Common'].includes(extend)) {
      throw new RemotePathError(`drive extend must be Home, Data, or Common (got "${extend.slice(0, 40)}")`);
    }
    return new RemotePath(fileType, extend, rest.length ? `/${rest.join('/')}` : '/');
  }

  get isRoot() {
    return this.sub === '/';
  }
  get isCloud() {
    return CLOUD.has(this.fileType);
  }
  get name() {
    return this.isRoot ? this.extend : this.sub.slice(this.sub.lastIndexOf('/') + 1);
  }
  /** `drive/Home/Documents/a.txt` (directories without trailing slash, root as `drive/Home/`). */
  get display() {
    return `${this.fileType}/${this.extend}${this.sub === '/' ? '/' : this.sub}`;
  }
  get parent(): RemotePath {
    if (this.isRoot) return this;
    const idx = this.sub.lastIndexOf('/');
    return new RemotePath(this.fileType, this.extend, idx <= 0 ? '/' : this.sub.slice(0, idx));
  }
  child(name: string): RemotePath {
    return new RemotePath(this.fileType, this.extend, this.isRoot ? `/${name}` : `${this.sub}/${name}`);
  }
  /** Per-segment encodeURIComponent, as the web app does; `dir` adds the trailing slash. */
  encoded(dir: boolean): string {
    const segs = [this.fileType, this.extend, ...this.sub.split('/').filter(Boolean)].map(encodeURIComponent);
    return segs.join('/') + (dir || this.isRoot ? '/' : '');
  }
  /** Decoded wire path with a leading slash, for JSON bodies and upload queries. */
  wire(dir: boolean): string {
    return `/${this.fileType}/${this.extend}${this.isRoot ? '/' : this.sub + (dir ? '/' : '')}`;
  }
  /** Whether this is a system-managed folder that rm/rename/mv must refuse. */
  get isProtected() {
    const parts = this.sub.split('/').filter(Boolean);
    if (this.fileType === 'drive' && this.extend === 'Home' && parts.length === 1)
      return PROTECTED_HOME.includes(parts[0]);
    if (this.fileType === 'external' && parts.length === 1) return true; // a mounted volume root
    if (this.fileType === 'external' && parts[1] === 'ai' && parts.length <= 3) return true;
    return false;
  }
  equals(o: RemotePath) {
    return this.display === o.display;
  }
  contains(o: RemotePath) {
    return (
      o.fileType === this.fileType &&
      o.extend === this.extend &&
      (this.isRoot || o.sub === this.sub || o.sub.startsWith(`${this.sub}/`))
    );
  }
}

/** The upload destination mapping of docs/wire/files.md#upload-destinations */
export function uploadRoots(p: RemotePath): {
  apiRoot: string;
  chunkRoot: string;
  driveType: string;
  nodeFromPath?: string;
} {
  const apiRoot = `/${p.fileType}/${p.extend}`;
  switch (p.fileType) {
    case 'drive':
      return { apiRoot, chunkRoot: apiRoot, driveType: p.extend === 'Home' ? 'Drive' : p.extend };
    case 'sync':
      return { apiRoot, chunkRoot: '', driveType: 'Sync' };
    case 'cache':
      return { apiRoot, chunkRoot: apiRoot, driveType: 'Cache', nodeFromPath: p.extend };
    case 'external':
      return { apiRoot, chunkRoot: apiRoot, driveType: 'External', nodeFromPath: p.extend };
    case 'awss3':
    case 'google':
    case 'dropbox':
      return { apiRoot, chunkRoot: apiRoot, driveType: p.fileType[0].toUpperCase() + p.fileType.slice(1) };
    default:
      throw new RemotePathError(
        `upload destination must be under drive/Home, drive/Data, drive/Common, sync/<repo_id>, cache/<node>, external/<node>/<volume>, awss3/<account>, google/<account>, or dropbox/<account> (got "${p.display}")`,
      );
  }
}
