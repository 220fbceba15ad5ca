// Typed client for the dashboard service. Placeholder until its issue lands.
import type { OlaresHttp } from '../transport/http.js';

export class DashboardClient {
  constructor(readonly http: OlaresHttp) {}
}
