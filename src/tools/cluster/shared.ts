// What every cluster tool shares: Kubernetes name checks, selector translation for KubeSphere
// (docs/wire/cluster.md#pod-list), the paging arguments and the paging of KubeSphere lists.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { KsList } from '../../olares/controlHub.js';
import type { ToolContext } from '../context.js';
import { nextPageOf, slicePage } from '../paging.js';

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const nsArg = z.string().min(1).max(253);
export const podArg = z.string().min(1).max(253);

export function checkName(kind: string, value: string) {
  if (!K8S_NAME.test(value))
    throw new InvalidInputError(
      `${kind} "${value.slice(0, 80)}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')`,
    );
}

export async function hub(ctx: ToolContext) {
  return (await ctx.olares()).controlHub;
}

/** kubectl-style field selectors translated for KubeSphere (docs/wire/cluster.md#pod-list). */
const FIELD_PARAMS: Record<string, string> = {
  'status.phase': 'status',
  'spec.nodeName': 'nodeName',
  'metadata.name': 'names',
  'metadata.namespace': 'namespace',
};
export function translateFieldSelector(sel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of sel
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    if (term.includes('!='))
      throw new InvalidInputError(
        `fieldSelector: "${term}" uses the '!=' operator which the upstream KubeSphere pods endpoint does not support; filter the results instead`,
      );
    const m = /^([^=]*)==?(.*)$/.exec(term);
    if (!m) throw new InvalidInputError(`fieldSelector: "${term}" is not a valid term (expected key=value)`);
    const [key, value] = [m[1].trim(), m[2].trim()];
    if (!key || !value) throw new InvalidInputError(`fieldSelector: "${term}" has empty key or value`);
    const param = FIELD_PARAMS[key];
    if (!param)
      throw new InvalidInputError(
        `fieldSelector: field "${key}" is not supported (supported: ${Object.keys(FIELD_PARAMS).sort().join(', ')})`,
      );
    out[param] = out[param] && param === 'names' ? `${out[param]},${value}` : value;
  }
  return out;
}

/** Equality-based label selectors (a=b, a==b, a!=b, a, !a); set-based forms are refused. */
export function checkLabelSelector(sel: string) {
  for (const term of sel.split(',').map((t) => t.trim())) {
    if (!/^!?[A-Za-z0-9]([A-Za-z0-9_./-]*[A-Za-z0-9])?(\s*(==|=|!=)\s*[A-Za-z0-9_.-]*)?$/.test(term)) {
      throw new InvalidInputError(
        `labelSelector: "${term.slice(0, 80)}" is not a valid term; use key=value, key!=value, key or !key, joined by commas (e.g. app=web,tier!=db)`,
      );
    }
  }
}

export const pageOut = {
  total: z.number(),
  page: z.number(),
  limit: z.number(),
  nextPage: z.number().optional(),
};
export const pageIn = {
  limit: z.number().int().min(1).max(500).optional(),
  page: z.number().int().min(1).optional(),
};

/**
 * One page of a KubeSphere list. For a non-admin, ks-apiserver-proxy forces `limit=-1` on the
 * all-namespace pod list (cache/user.js pod_filter) and returns the whole filtered list whatever
 * page was asked: that is paged here. An honest server page never holds more than `limit` items,
 * nor, past page 1, all `totalItems` of them.
 */
export function pageOf<T>(list: KsList<T>, limit: number, page: number) {
  const whole =
    list.items.length > limit || (page > 1 && list.items.length > 0 && list.items.length >= list.totalItems);
  if (!whole)
    return { items: list.items, total: list.totalItems, nextPage: nextPageOf(list.totalItems, limit, page) };
  return { ...slicePage(list.items, limit, page), total: list.items.length };
}
