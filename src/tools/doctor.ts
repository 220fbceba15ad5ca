// doctor: what this server would use for a profile and whether each piece works, with the next
// step for every problem. Never prints a secret: only where credentials live and their state.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sanitizeId } from '../auth/home.js';
import { SERVICES, type ServiceName } from '../auth/identity.js';
import { type AuthContext, httpRequest, type Session, statusOf } from '../auth/index.js';
import { defineTool, type ToolDeclaration } from './defineTool.js';
import { describeError } from './errors.js';

export interface Diagnosis {
  profile?: string;
  olaresId?: string;
  urlTemplate: string;
  tokenStore: { mode: string; keychainUsable: boolean; keychainReason?: string; profileBackend?: string };
  credentialSources: { env: boolean; keychain: boolean; file: boolean };
  token: { status: string; expiresAt?: string; invalidatedAt?: string };
  lockDir: { path: string; writable: boolean; error?: string };
  services: Array<{ service: string; url: string; reachable: boolean; httpStatus?: number; error?: string }>;
  client?: { elicitationForm: boolean; elicitationUrl: boolean };
  problems: Array<{ problem: string; fix: string }>;
}

const PROBED: ServiceName[] = SERVICES.filter((s) => s !== 'settings' && s !== 'vault');

async function probe(
  url: string,
  insecure: boolean,
): Promise<{ reachable: boolean; httpStatus?: number; error?: string }> {
  try {
    const res = await httpRequest(url, {
      method: 'GET',
      insecure,
      headersTimeout: 3000,
      bodyTimeout: 3000,
      signal: AbortSignal.timeout(4000),
    });
    await res.body.dump();
    return { reachable: true, httpStatus: res.statusCode };
  } catch (err) {
    const { mapNetworkError } = await import('../auth/net.js');
    return { reachable: false, error: describeError(mapNetworkError(err, url, 3000)) };
  }
}

export async function diagnose(
  auth: AuthContext,
  profileKey?: string,
  client?: Diagnosis['client'],
): Promise<Diagnosis> {
  const problems: Diagnosis['problems'] = [];
  const keychain = await auth.stores.keychainProbe();
  const d: Diagnosis = {
    urlTemplate: auth.urlTemplate ?? 'https://{service}.{prefix}{terminus} (default)',
    tokenStore: { mode: auth.stores.mode, keychainUsable: keychain.usable, keychainReason: keychain.reason },
    credentialSources: { env: Boolean(auth.envOlaresId), keychain: false, file: false },
    token: { status: 'never' },
    lockDir: { path: auth.paths.locks, writable: false },
    services: [],
    client,
    problems,
  };
  if (auth.stores.mode === 'keychain' && !keychain.usable) {
    problems.push({
      problem: `OLARES_TOKEN_STORE=keychain but the keychain is not usable (${keychain.reason})`,
      fix: 'unlock or start the OS keychain (Secret Service on Linux), or set OLARES_TOKEN_STORE=file',
    });
  }

  let session: Session | undefined;
  try {
    session = await auth.session(profileKey);
  } catch (err) {
    problems.push({
      problem: describeError(err),
      fix: 'olares-mcp login --olares-id <id> (or profile_login in your MCP client)',
    });
  }

  if (session) {
    const { profile, identity } = session;
    d.profile = profile.name || profile.olaresId;
    d.olaresId = identity.olaresId;
    d.tokenStore.profileBackend = session.credentials.source;
    const fileBlob = join(auth.paths.tokens, `${sanitizeId(identity.olaresId)}.enc`);
    d.credentialSources.file = Boolean(await stat(fileBlob).catch(() => undefined));
    if (keychain.usable)
      d.credentialSources.keychain = Boolean(
        await (await auth.stores.keychain()).get(identity.olaresId).catch(() => null),
      );
    if (session.credentials.source === 'env') d.token = { status: 'logged-in (env)' };
    else {
      try {
        const store = await auth.stores.forProfile(profile.tokenStore);
        const record = await store.get(identity.olaresId);
        const s = statusOf(record);
        d.token = {
          status: s.status,
          expiresAt: s.expiresAt,
          invalidatedAt: record?.invalidatedAt ? new Date(record.invalidatedAt).toISOString() : undefined,
        };
        if (s.status === 'never')
          problems.push({
            problem: `no token stored for ${identity.olaresId}`,
            fix: `olares-mcp login --olares-id ${identity.olaresId}`,
          });
        if (s.status === 'invalidated')
          problems.push({
            problem: `the refresh token for ${identity.olaresId} was rejected at ${d.token.invalidatedAt}`,
            fix: `olares-mcp login --olares-id ${identity.olaresId}`,
          });
        if (s.status === 'expired' && !record?.refreshToken)
          problems.push({
            problem: 'the access token expired and there is no refresh token',
            fix: `olares-mcp login --olares-id ${identity.olaresId}`,
          });
      } catch (err) {
        d.token = { status: 'unknown' };
        problems.push({
          problem: describeError(err),
          fix: 'see the message; OLARES_TOKEN_STORE=file avoids the keychain',
        });
      }
    }
    d.services = await Promise.all(
      PROBED.map(async (service) => {
        const url = session!.baseUrl(service);
        return { service, url, ...(await probe(`${url}/`, session!.insecure)) };
      }),
    );
    const down = d.services.filter((s) => !s.reachable);
    if (down.length) {
      problems.push({
        problem: `unreachable: ${down.map((s) => `${s.service} (${s.error})`).join('; ')}`,
        fix: 'check that the box is on and reachable; for a local box with a self-signed certificate set OLARES_INSECURE_SKIP_VERIFY=1; check OLARES_URL_TEMPLATE',
      });
    }
  }

  try {
    await mkdir(auth.paths.locks, { recursive: true, mode: 0o700 });
    const probeFile = join(auth.paths.locks, `.doctor-${randomBytes(4).toString('hex')}`);
    await writeFile(probeFile, '');
    await rm(probeFile);
    d.lockDir.writable = true;
  } catch (err) {
    d.lockDir.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    problems.push({
      problem: `the lock directory ${auth.paths.locks} is not writable (${d.lockDir.error})`,
      fix: 'make OLARES_MCP_HOME writable by this user, or point it elsewhere',
    });
  }
  if (client && !client.elicitationUrl) {
    problems.push({
      problem: 'this client cannot open URL elicitations',
      fix: 'profile_login returns a link to open by hand (or use olares-mcp login in a terminal)',
    });
  }
  return d;
}

const serviceRow = z.object({
  service: z.string(),
  url: z.string(),
  reachable: z.boolean(),
  httpStatus: z.number().optional(),
  error: z.string().optional(),
});

export const doctor = defineTool({
  name: 'doctor',
  title: 'Diagnose olares-mcp',
  description:
    'Check credentials, token state, lock dir, service reachability and client support for a profile; lists the fix for each problem.',
  toolset: 'doctor',
  input: {},
  output: {
    profile: z.string().optional(),
    olaresId: z.string().optional(),
    urlTemplate: z.string(),
    tokenStore: z.object({
      mode: z.string(),
      keychainUsable: z.boolean(),
      keychainReason: z.string().optional(),
      profileBackend: z.string().optional(),
    }),
    credentialSources: z.object({ env: z.boolean(), keychain: z.boolean(), file: z.boolean() }),
    token: z.object({
      status: z.string(),
      expiresAt: z.string().optional(),
      invalidatedAt: z.string().optional(),
    }),
    lockDir: z.object({ path: z.string(), writable: z.boolean(), error: z.string().optional() }),
    services: z.array(serviceRow),
    client: z.object({ elicitationForm: z.boolean(), elicitationUrl: z.boolean() }).optional(),
    problems: z.array(z.object({ problem: z.string(), fix: z.string() })),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(args, ctx) {
    const modes = ctx.elicitation();
    const d = await diagnose(ctx.auth, args.profile, {
      elicitationForm: modes.form,
      elicitationUrl: modes.url,
    });
    return { data: d, summary: formatDiagnosis(d) };
  },
});

export function formatDiagnosis(d: Diagnosis): string {
  const lines = [
    `profile: ${d.profile ? `${d.profile} (${d.olaresId})` : 'none'}`,
    `token: ${d.token.status}${d.token.expiresAt ? `, expires ${d.token.expiresAt}` : ''} [store ${d.tokenStore.profileBackend ?? d.tokenStore.mode}; keychain ${d.tokenStore.keychainUsable ? 'usable' : `not usable: ${d.tokenStore.keychainReason}`}]`,
    `lock dir: ${d.lockDir.writable ? 'writable' : `NOT writable (${d.lockDir.error})`}`,
    ...d.services.map(
      (s) => `${s.service}: ${s.reachable ? `reachable (HTTP ${s.httpStatus})` : `UNREACHABLE (${s.error})`}`,
    ),
  ];
  if (d.client)
    lines.push(
      `client elicitation: form ${d.client.elicitationForm ? 'yes' : 'no'}, url ${d.client.elicitationUrl ? 'yes' : 'no'}`,
    );
  lines.push(
    d.problems.length
      ? `problems:\n${d.problems.map((p) => `- ${p.problem}\n  fix: ${p.fix}`).join('\n')}`
      : 'no problems found',
  );
  return lines.join('\n');
}

export const doctorTools: ToolDeclaration<any, any>[] = [doctor];
