// Authelia-style auth host (docs/wire/auth.md#simulator) and the desktop endpoints that
// olares-cli reads after login (user-info, olares-info), plus a protected echo for tests.
import { verify } from 'otplib';
import { ko, ok, readJson, sendJson } from './http.js';
import type { Simulator } from './server.js';

const FIRST_FACTOR_FAILED = 'Authentication failed. Check your credentials.';
const TOTP_FAILED = 'Authentication failed, please retry later.';

export function registerAuth(sim: Simulator) {
  registerFirstFactor(sim);
  registerSecondFactor(sim);
  registerRefresh(sim);
  registerDesktopIdentity(sim);
}

function registerFirstFactor(sim: Simulator) {
  sim.route(
    'auth',
    'POST',
    '/api/firstfactor',
    async ({ req, res }) => {
      const body = await readJson<Record<string, unknown>>(req);
      const user = typeof body?.username === 'string' ? sim.userByLocal(body.username) : undefined;
      if (!user || typeof body?.password !== 'string' || body.password !== user.passwordHash) {
        return sendJson(res, 401, ko(FIRST_FACTOR_FAILED));
      }
      const targetsDesktop = typeof body.targetURL === 'string' && body.targetURL.includes('desktop.');
      const fa2 = Boolean(user.totpSecret) && targetsDesktop;
      const sessionId = crypto.randomUUID();
      const accessToken = await sim.issueAccessToken(user, { stage: fa2 ? '1fa' : 'full' });
      // A 2FA account's first-factor refresh token is never registered: only the TOTP step grants.
      const refreshToken = fa2 ? 'rt-first-factor-only' : sim.issueRefreshToken(user, sessionId);
      sendJson(
        res,
        200,
        ok({
          redirect: '',
          access_token: accessToken,
          refresh_token: refreshToken,
          fa2,
          session_id: accessToken,
        }),
        {
          'set-cookie': `auth_token=${accessToken}; Path=/; HttpOnly; SameSite=None`,
        },
      );
    },
    { auth: false },
  );
}

function registerSecondFactor(sim: Simulator) {
  sim.route(
    'auth',
    'POST',
    '/api/secondfactor/totp',
    async ({ req, res }) => {
      const header = req.headers['x-authorization'];
      const token = Array.isArray(header) ? header[0] : header;
      const user = token ? await sim.verifyAccessToken(token, '1fa') : 'invalid';
      const body = await readJson<Record<string, unknown>>(req);
      if (typeof user === 'string' || !user.totpSecret || typeof body?.token !== 'string') {
        return sendJson(res, 401, ko(TOTP_FAILED));
      }
      const result = await verify({ secret: user.totpSecret, token: body.token.trim(), epochTolerance: 30 });
      if (!result.valid) return sendJson(res, 401, ko(TOTP_FAILED));
      const sessionId = crypto.randomUUID();
      sendJson(
        res,
        200,
        ok({
          redirect: '',
          access_token: await sim.issueAccessToken(user),
          refresh_token: sim.issueRefreshToken(user, sessionId),
          fa2: false,
          session_id: '',
        }),
      );
    },
    { auth: false },
  );
}

function registerRefresh(sim: Simulator) {
  sim.route(
    'auth',
    'POST',
    '/api/refresh',
    async ({ req, res }) => {
      const body = await readJson<{ refreshToken?: unknown }>(req);
      if (typeof body?.refreshToken !== 'string') return sendJson(res, 401, ko('request body error'));
      const grant = sim.takeRefreshGrant(body.refreshToken);
      if (!grant) return sendJson(res, 401, ko(FIRST_FACTOR_FAILED));
      const refreshToken = sim.options.rotateRefreshTokens
        ? sim.issueRefreshToken(grant.user, grant.sessionId)
        : body.refreshToken;
      sendJson(
        res,
        200,
        ok({
          redirect: '',
          access_token: await sim.issueAccessToken(grant.user),
          refresh_token: refreshToken,
          fa2: false,
          session_id: grant.sessionId,
        }),
      );
    },
    { auth: false },
  );
}

/** What olares-cli reads after login, and the protected echo. */
function registerDesktopIdentity(sim: Simulator) {
  sim.route('desktop', 'GET', '/api/backend/v1/user-info', ({ res, user }) => {
    sendJson(res, 200, { code: 0, message: '', data: { name: user!.local, owner_role: user!.role } });
  });

  sim.route('desktop', 'GET', '/api/olares-info', ({ res, user }) => {
    sendJson(res, 200, {
      code: 0,
      message: '',
      // OlaresInfo of BFL, as olares-cli models it (cli/pkg/whoami/version.go).
      data: {
        olaresId: user!.olaresId,
        wizardStatus: 'completed',
        enableReverseProxy: false,
        tailScaleEnable: false,
        osVersion: sim.options.osVersion,
        loginBackground: '',
        avatar: '',
        id: '',
        did: '',
        olaresd: '',
        style: '',
      },
    });
  });

  // Protected echo: lets tests watch which token reached a service and replay behaviour.
  sim.route('desktop', '*', '/api/echo', async ({ req, res, user, method }) => {
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    sendJson(res, 200, { code: 0, data: { user: user!.olaresId, method, bytes } });
  });
}
