// Desktop host: who the user is and which Olares version runs (olares-api/auth.md sec. 10.4).
import { OlaresMcpError } from '../errors.js';
import type { OlaresHttp } from '../transport/http.js';

interface BflEnvelope<T> {
  code: number;
  message?: string;
  data: T;
}

function unwrap<T>(env: BflEnvelope<T>, what: string): T {
  if (env?.code !== 0 && env?.code !== 200) {
    throw new OlaresMcpError(`${what} failed: code ${env?.code}${env?.message ? `: ${env.message}` : ''}`, {
      code: 'olares_error',
    });
  }
  return env.data;
}

export class DesktopClient {
  constructor(private readonly http: OlaresHttp) {}

  async userInfo(signal?: AbortSignal): Promise<{ name: string; ownerRole: string }> {
    const data = unwrap(
      await this.http.json<BflEnvelope<{ name: string; owner_role: string }>>(
        'desktop',
        '/api/backend/v1/user-info',
        { signal, timeoutMs: 5000 },
      ),
      'user-info',
    );
    return { name: data.name, ownerRole: data.owner_role };
  }

  async olaresInfo(signal?: AbortSignal): Promise<{ osVersion?: string }> {
    const data = unwrap(
      await this.http.json<BflEnvelope<{ osVersion?: string }>>('desktop', '/api/olares-info', {
        signal,
        timeoutMs: 5000,
      }),
      'olares-info',
    );
    return { osVersion: data?.osVersion };
  }
}
