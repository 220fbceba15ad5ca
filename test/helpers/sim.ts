// Test fixtures: a simulator on loopback, a fresh OLARES_MCP_HOME, and logged-in profiles made
// through the real auth core (password + TOTP against the simulator).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { type SimOptions, type Simulator, startSimulator } from '../../sim/server.js';
import { AuthContext } from '../../src/auth/index.js';
import { closePendingLogin, listPendingLogins } from '../../src/auth/pendingLogins.js';

export interface TestBox {
  sim: Simulator;
  home: string;
  env: NodeJS.ProcessEnv;
  auth: AuthContext;
  /** Logs a demo user in through firstfactor (+ TOTP) and stores the token in `home`. */
  login(olaresId?: string, opts?: { name?: string }): Promise<void>;
  totp(olaresId?: string): Promise<string>;
  password(olaresId?: string): string;
  close(): Promise<void>;
}

export async function makeBox(opts: SimOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<TestBox> {
  const sim = await startSimulator(opts);
  const home = await mkdtemp(join(tmpdir(), 'olares-mcp-test-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OLARES_MCP_HOME: home,
    OLARES_URL_TEMPLATE: sim.urlTemplate,
    OLARES_TOKEN_STORE: 'file',
    ...opts.env,
  };
  const auth = new AuthContext(env);
  const spec = (id?: string) => {
    const s = sim.specs.find((u) => u.olaresId === (id ?? sim.specs[0].olaresId));
    if (!s) throw new Error(`no simulator user ${id}`);
    return s;
  };
  const box: TestBox = {
    sim,
    home,
    env,
    auth,
    password: (id) => spec(id).password,
    async totp(id) {
      const s = spec(id);
      if (!s.totpSecret) throw new Error(`${s.olaresId} has no 2FA`);
      return generate({ secret: s.totpSecret });
    },
    async login(id, o = {}) {
      const s = spec(id);
      const first = await auth.passwordStep(s.olaresId, s.password);
      const grant = first.fa2 ? await auth.totpStep(s.olaresId, first, await box.totp(s.olaresId)) : first;
      await auth.persistGrant({ olaresId: s.olaresId, name: o.name, makeCurrent: true }, grant);
    },
    async close() {
      // Detached login pages outlive the server by design; a test's must not outlive the test.
      for (const record of listPendingLogins(home)) closePendingLogin(home, record);
      await sim.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  return box;
}
