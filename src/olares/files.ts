// Typed client for the files service. Placeholder until its issue lands.
import type { OlaresHttp } from '../transport/http.js';

export class FilesClient {
  constructor(readonly http: OlaresHttp) {}
}
