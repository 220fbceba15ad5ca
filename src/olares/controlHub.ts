// Typed client for the controlHub service. Placeholder until its issue lands.
import type { OlaresHttp } from '../transport/http.js';

export class ControlHubClient {
  constructor(readonly http: OlaresHttp) {}
}
