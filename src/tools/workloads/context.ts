// cluster_context: who the box says this profile is (olares-cli cluster context, read from
// /capi/app/detail), and the namespaces grouped under that user. Never from a tool argument.
import { z } from 'zod';
import { READ } from '../annotations.js';
import { hub } from '../cluster/shared.js';
import { defineTool } from '../defineTool.js';
import { objects } from './shared.js';

/** olares-cli cli/pkg/clusterctx: KubeSphere global roles; Olares's own role for a regular user. */
const ROLE_LABELS: Record<string, string> = {
  'platform-admin': 'Cluster Admin',
  'platform-self-provisioner': 'Self Provisioner',
  'platform-regular': 'Regular User',
  normal: 'Regular User',
  anonymous: 'Anonymous',
};

export const clusterContext = defineTool({
  name: 'cluster_context',
  title: 'Who am I on the cluster',
  description: 'My user, role and namespaces as the box reports them. Use before acting on a namespace.',
  toolset: 'workloads',
  input: {},
  output: {
    olaresId: z.string(),
    username: z.string(),
    email: z.string().optional(),
    role: z.string().describe('KubeSphere global role, e.g. platform-admin'),
    roleLabel: z.string(),
    admin: z.boolean().describe('true: sees every namespace and the nodes'),
    clusterRole: z.string().optional(),
    namespaces: z.array(z.string()).describe("The namespaces grouped under this user's name"),
    systemNamespaces: z.array(z.string()),
    namespacesError: z.string().optional(),
  },
  annotations: READ,
  async handler(_args, ctx) {
    const clients = await ctx.olares();
    const [detail, groups] = await Promise.all([
      (await objects(ctx)).appDetail(ctx.signal),
      hub(ctx)
        .then((h) => h.appGroups(ctx.signal))
        .then(
          (g) => ({ ok: g }),
          (err: Error) => ({ err: err.message }),
        ),
    ]);
    const role = detail.globalrole ?? '';
    const mine = 'ok' in groups ? (groups.ok.find((g) => g.title === detail.username)?.namespaces ?? []) : [];
    const data = {
      olaresId: clients.olaresId,
      username: detail.username,
      email: detail.email,
      role,
      roleLabel: ROLE_LABELS[role] ?? '(unknown)',
      admin: role === 'platform-admin',
      clusterRole: detail.clusterRole,
      namespaces: mine,
      systemNamespaces: detail.systemNamespaces,
      namespacesError: 'err' in groups ? groups.err : undefined,
    };
    return {
      data,
      summary: `${data.username} (${data.olaresId}): ${data.roleLabel}${data.admin ? ', sees every namespace' : ''}; own namespaces: ${mine.join(', ') || (data.namespacesError ? `unknown (${data.namespacesError})` : 'none')}`,
    };
  },
});
