// The effective local roots (docs/architecture.md#local-roots, security review H1): OLARES_LOCAL_ROOTS ∩ the
// client's valid file: roots when both exist, whichever exists when only one does, otherwise
// nothing (local-path tools are refused). Never the working directory. The user's environment
// is trusted; client roots may be set by whatever drives the client, so a root that would open
// the whole disk or the whole home (/, $HOME, a parent of it) counts only when the user named
// it in OLARES_LOCAL_ROOTS.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { isInside } from './localPaths.js';

export class LocalRootsRefusedError extends OlaresMcpError {
  constructor(reason: string) {
    super(
      `local-path tools are refused: ${reason}. Fix: have the user set OLARES_LOCAL_ROOTS to the folder(s) uploads and downloads may use (absolute paths separated by '${path.delimiter}', e.g. OLARES_LOCAL_ROOTS=${path.join(path.sep === '\\' ? 'C:\\Users\\you' : '/home/you', 'olares')}), or add a folder to the client's MCP roots`,
      { code: 'local_roots_refused' },
    );
  }
}

/** What roots/list gave: undefined when the client declares no roots or the request failed. */
export type ClientRootUris = string[] | undefined;

export interface EffectiveLocalRoots {
  /** Real paths (plus the spelling they were given in, when it differs); empty when refused. */
  roots: string[];
  source?: 'env' | 'client' | 'intersection';
  /** Why local paths are refused, when `roots` is empty. */
  refused?: string;
  /** Client roots that were not used, each with the reason. */
  skipped: string[];
}

interface Root {
  given: string;
  real: string;
}

/** The local directory a client `file:` root names, or why it is not one. */
export function parseClientRoot(uri: string): { dir: string } | { skip: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { skip: 'not a URI' };
  }
  if (url.protocol !== 'file:') return { skip: `not a file: URI (${url.protocol})` };
  try {
    return { dir: path.resolve(fileURLToPath(url)) };
  } catch (err) {
    return { skip: (err as Error).message };
  }
}

async function real(given: string): Promise<Root> {
  return { given, real: await realpath(given).catch(() => path.resolve(given)) };
}

/** `/` (or a drive or share root), the home directory, or a folder that contains it. */
function opensHome(dir: string, home: string): boolean {
  return dir === path.parse(dir).root || isInside(dir, home);
}

/** Where one root contains the other, the deeper one; pairs that do not overlap give nothing. */
function intersect(env: Root[], client: Root[]): Root[] {
  const out: Root[] = [];
  for (const e of env)
    for (const c of client) {
      // Equal roots keep both spellings, so a path written either way passes the early check.
      if (e.real === c.real) out.push(e, c);
      else if (isInside(e.real, c.real)) out.push(c);
      else if (isInside(c.real, e.real)) out.push(e);
    }
  return out;
}

function listed(roots: Root[]): string[] {
  const out = new Set<string>();
  for (const r of roots) out.add(r.real);
  for (const r of roots) out.add(path.resolve(r.given));
  return [...out];
}

async function clientRoots(uris: ClientRootUris, home: string, skipped: string[]): Promise<Root[]> {
  const out: Root[] = [];
  for (const uri of uris ?? []) {
    const parsed = parseClientRoot(uri);
    if ('skip' in parsed) {
      skipped.push(`${uri} (${parsed.skip})`);
      continue;
    }
    const r = await real(parsed.dir);
    if (opensHome(r.real, home)) {
      skipped.push(
        `${uri} (the file-system root or the home directory counts only when OLARES_LOCAL_ROOTS names it)`,
      );
      continue;
    }
    out.push(r);
  }
  for (const s of skipped) log.debug(`client root skipped: ${s}`);
  return out;
}

/**
 * The effective roots from OLARES_LOCAL_ROOTS (`envRoots`, absolute paths) and the client's
 * roots/list answer. Never throws: `refused` says why nothing is allowed.
 */
export async function effectiveLocalRoots(
  envRoots: string[] | undefined,
  clientUris: ClientRootUris,
  home: string,
): Promise<EffectiveLocalRoots> {
  const skipped: string[] = [];
  const realHome = (await real(home)).real;
  const client = await clientRoots(clientUris, realHome, skipped);
  const env = envRoots?.length ? await Promise.all(envRoots.map(real)) : [];
  if (env.length && client.length) {
    const both = intersect(env, client);
    if (both.length) return { roots: listed(both), source: 'intersection', skipped };
    return {
      roots: [],
      skipped,
      refused: `OLARES_LOCAL_ROOTS (${env.map((r) => r.given).join(', ')}) and the client's MCP roots (${client.map((r) => r.given).join(', ')}) have no folder in common`,
    };
  }
  if (env.length) return { roots: listed(env), source: 'env', skipped };
  if (client.length) return { roots: listed(client), source: 'client', skipped };
  const why = clientUris?.length
    ? `the client's MCP roots give no usable folder (${skipped.join('; ')})`
    : 'the client gives no MCP roots';
  return { roots: [], skipped, refused: `OLARES_LOCAL_ROOTS is unset and ${why}` };
}
