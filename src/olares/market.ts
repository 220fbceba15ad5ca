// Typed client for the market service. Placeholder until its issue lands.
import type { OlaresHttp } from '../transport/http.js';

export class MarketClient {
  constructor(
    readonly http: OlaresHttp,
    readonly clients?: import('./index.js').OlaresClients,
  ) {}
}
