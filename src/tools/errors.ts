// The one place where errors become the text an agent reads.
import { OlaresMcpError } from '../errors.js';
import { escapeInvisible } from './boxText.js';

/** Error texts quote the box (HTTP bodies, failure reasons): hidden characters are shown escaped. */
export function describeError(err: unknown): string {
  return escapeInvisible(errorText(err));
}

function errorText(err: unknown): string {
  if (err instanceof OlaresMcpError) return err.message;
  const e = err as Error & { code?: string | number };
  if (e?.name === 'AbortError') return 'the operation was cancelled';
  if (e?.name === 'McpError' || typeof e?.code === 'number') return e.message;
  const fsCode = typeof e?.code === 'string' ? e.code : undefined;
  if (fsCode === 'ENOSPC')
    return `the local disk is full (${e.message}). Fix: free space or choose another local path`;
  if (fsCode === 'EACCES' || fsCode === 'EPERM')
    return `permission denied on the local file system (${e.message}). Fix: this user must be able to read an upload source and write a download target; change the permissions or choose another local path`;
  return `internal error: ${e?.message ?? String(err)}. This is a bug in olares-mcp; the server keeps running`;
}

export function errorCode(err: unknown): string {
  return err instanceof OlaresMcpError ? err.code : 'internal';
}

/**
 * The `_meta` of an error result: the code and whether a retry may help, so clients and tests can
 * branch on them instead of matching the prose.
 */
export function errorResultMeta(err: unknown): {
  'olares-mcp/errorCode': string;
  'olares-mcp/retryable': boolean;
} {
  return {
    'olares-mcp/errorCode': errorCode(err),
    'olares-mcp/retryable': err instanceof OlaresMcpError && err.retryable,
  };
}
