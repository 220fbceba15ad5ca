// The answers every simulated control-hub route shares: who may see a namespace (what
// ks-apiserver-proxy server/cache/user.js lets through), Kubernetes Status refusals, KubeSphere pages.
import type { SimRequest } from './http.js';
import { sendJson } from './http.js';
import type { SimUser } from './users.js';

export const admin = (user: SimUser) => user.role !== 'normal';
// cache/user.js isAllowedMonitoringNamespace / namespaceListFormat.
export const visible = (user: SimUser, ns: string) =>
  admin(user) || ns.split('-').includes(user.local) || ns.endsWith('-shared');
export const forbidden = (r: SimRequest, what: string) =>
  sendJson(r.res, 403, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `${what} is forbidden: User "${r.user!.local}" cannot access it`,
    reason: 'Forbidden',
    code: 403,
  });
export const notFound = (r: SimRequest, what: string) =>
  sendJson(r.res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `${what} not found`,
    reason: 'NotFound',
    code: 404,
  });
export const page = <T>(r: SimRequest, items: T[]) => {
  const limit = Number(r.url.searchParams.get('limit')) || items.length || 1;
  const p = Math.max(1, Number(r.url.searchParams.get('page')) || 1);
  sendJson(r.res, 200, { items: items.slice((p - 1) * limit, p * limit), totalItems: items.length });
};
export const badSelector = (r: SimRequest, sel: string) =>
  sendJson(r.res, 400, {
    kind: 'Status',
    status: 'Failure',
    message: `unable to parse requirement: invalid label selector "${sel}"`,
    reason: 'BadRequest',
    code: 400,
  });
