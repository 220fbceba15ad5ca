// Desktop host: which Olares version runs (docs/wire/auth.md#desktop) and how
// many users the caller can see (user-service /api/users/v2, olares-cli users_helper.go).
import { OlaresMcpError } from '../errors.js';
import type { OlaresHttp } from '../transport/http.js';
import { type Fields, Reader } from './shape.js';

/** The user-service (and BFL) envelope `{code, message, data}`; 0 and 200 both mean success. */
export function unwrapUserService(body: unknown, endpoint: string): { r: Reader; env: Fields } {
  const r = new Reader('desktop', endpoint);
  const env = r.record(body, '(body)');
  if (env.code !== 0 && env.code !== 200) {
    const message = typeof env.message === 'string' && env.message ? `: ${env.message}` : '';
    throw new OlaresMcpError(`${endpoint} failed: code ${String(env.code)}${message}`, {
      code: 'olares_error',
    });
  }
  return { r, env };
}

export class DesktopClient {
  constructor(private readonly http: OlaresHttp) {}

  async olaresInfo(signal?: AbortSignal): Promise<{ osVersion?: string }> {
    const { r, env } = unwrapUserService(
      await this.http.json('desktop', '/api/olares-info', { signal, timeoutMs: 5000 }),
      'GET /api/olares-info',
    );
    return { osVersion: r.optStr(r.optRecord(env.data, 'data').osVersion, 'data.osVersion') };
  }

  /** Users the caller can see: all of them for an admin, only themselves otherwise. */
  async userTotals(signal?: AbortSignal): Promise<number> {
    const { r, env } = unwrapUserService(
      await this.http.json('desktop', '/api/users/v2', { signal, timeoutMs: 5000 }),
      'GET /api/users/v2',
    );
    const totals = r.optNum(env.totals, 'totals') ?? 0;
    return totals > 0 ? totals : r.optArray(env.data, 'data').length;
  }
}
