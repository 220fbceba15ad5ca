// Ten everyday requests, replayed as the shortest call path an agent can take against the
// simulator: how many tool calls each takes and how many characters of results it reads (text
// block and structuredContent counted apart). A step may use only names given in the request or
// returned by earlier results. The client declares no forms (the common case), and a person
// completes login and approval pages the way a browser would.
//
// Goals (issue "Agent fitness"): every task in at most 3 calls, all ten within 12,000 characters
// of result text.
//
// Before any agent-fitness change (2026-11-26, main at the trust-boundary start): 18 calls, max 3
// per task, 26,987 text chars (25,196 structured), 9 of 10 answered: the public share came back
// without its link, the n8n secret was invented in the chat, the second login switched the
// default, and one restarting pod's previous log (tail 200) cost 13.9k chars.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { completeLogin } from '../test/helpers/browser.js';
import { connect, type McpSession, textOf } from '../test/helpers/mcp.js';
import { makeBox, type TestBox } from '../test/helpers/sim.js';
import { type BenchResult, report } from './lib.js';

interface Call {
  tool: string;
  textChars: number;
  structuredChars: number;
  isError: boolean;
}

interface TaskRun {
  task: string;
  calls: Call[];
  answered: boolean;
  note?: string;
}

class Agent {
  calls: Call[] = [];
  constructor(readonly mcp: McpSession) {}

  async call(tool: string, args: Record<string, unknown> = {}): Promise<any> {
    const r = await this.mcp.call(tool, args);
    this.calls.push({
      tool,
      textChars: textOf(r).length,
      structuredChars: r.structuredContent ? JSON.stringify(r.structuredContent).length : 0,
      isError: Boolean(r.isError),
    });
    return r;
  }
}

/** The person at the keyboard opens a link the agent passed on: a login or an approval page. */
async function personOpens(box: TestBox, text: string, olaresId: string) {
  const login = /http:\/\/127\.0\.0\.1:\d+\/login\/[\w-]+/.exec(text)?.[0];
  if (login) {
    await completeLogin(login, box.password(olaresId), () => box.totp(olaresId));
    return true;
  }
  return false;
}

type Task = { name: string; run(agent: Agent, box: TestBox): Promise<{ answered: boolean; note?: string }> };

const isRestarting = (p: any) => (p.restarts ?? 0) > 0;
const isUnhealthy = (p: any) => isRestarting(p) || (p.phase ?? p.status) !== 'Running' || p.ready === false;

const TASKS: Task[] = [
  {
    name: 'connect me (alice@olares.com)',
    async run(agent, box) {
      await agent.call('profile_list');
      const r = await agent.call('profile_login', { olaresId: 'alice@olares.com' });
      await personOpens(box, textOf(r), 'alice@olares.com');
      const list = await agent.call('profile_list');
      return { answered: /alice@olares\.com.*logged-in/.test(textOf(list)) };
    },
  },
  {
    name: "what's in Documents",
    async run(agent) {
      const r = await agent.call('files_ls', { path: 'drive/Home/Documents' });
      return { answered: !r.isError };
    },
  },
  {
    name: 'install n8n',
    async run(agent) {
      const info = await agent.call('market_get', { app: 'n8n' });
      const required = JSON.stringify(info.structuredContent ?? {}).includes('N8N_ENCRYPTION_KEY');
      const args: Record<string, unknown> = { app: 'n8n', wait: true };
      // Without a way to have the server generate it, the agent invents the secret in the chat.
      if (required) args.envs = { N8N_ENCRYPTION_KEY: 'invented-in-chat-0123456789' };
      const r = await agent.call('market_install', args);
      return {
        answered: !r.isError,
        note: required ? 'secret env invented by the agent' : undefined,
      };
    },
  },
  {
    name: 'is anything unhealthy',
    async run(agent) {
      const pods = await agent.call('cluster_pods', {});
      const rows: any[] = pods.structuredContent?.pods ?? pods.structuredContent?.items ?? [];
      const bad = rows.filter(isUnhealthy);
      // Today's rows lack the reason: the agent describes each unhealthy pod.
      for (const p of bad.slice(0, 2))
        await agent.call('cluster_pod_get', { namespace: p.namespace, pod: p.name });
      return { answered: bad.length > 0 };
    },
  },
  {
    name: 'a pod keeps restarting, why',
    async run(agent) {
      const pods = await agent.call('cluster_pods', {});
      const rows: any[] = pods.structuredContent?.pods ?? pods.structuredContent?.items ?? [];
      const p = rows.find(isRestarting);
      if (!p) return { answered: false, note: 'no restarting pod found in the list' };
      const logs = await agent.call('cluster_pod_logs', {
        namespace: p.namespace,
        pod: p.name,
        previous: true,
      });
      return { answered: !logs.isError };
    },
  },
  {
    name: 'how loaded is the box',
    async run(agent) {
      const r = await agent.call('dashboard_overview');
      return { answered: !r.isError };
    },
  },
  {
    name: 'delete the report',
    async run(agent) {
      const ls = await agent.call('files_ls', { path: 'drive/Home/Documents' });
      const items: any[] = ls.structuredContent?.items ?? [];
      const report = items.find((i) => /report/i.test(i.name));
      if (!report) return { answered: false, note: 'no report in Documents' };
      const r = await agent.call('files_rm', { paths: [`drive/Home/Documents/${report.name}`] });
      return { answered: !r.isError };
    },
  },
  {
    name: 'share Documents publicly',
    async run(agent) {
      const r = await agent.call('files_share_create', {
        path: 'drive/Home/Documents',
        type: 'public',
        expireDays: 7,
      });
      const hasLink = /https?:\/\/\S+\/share/i.test(textOf(r));
      return { answered: !r.isError && hasLink, note: hasLink ? undefined : 'no share link in the result' };
    },
  },
  {
    name: 'connect bob@olares.com too',
    async run(agent, box) {
      const r = await agent.call('profile_login', { olaresId: 'bob@olares.com' });
      await personOpens(box, textOf(r), 'bob@olares.com');
      const list = await agent.call('profile_list');
      const stillAlice = /\* \S+ \(alice@olares\.com\)/.test(textOf(list));
      return {
        answered: /bob@olares\.com.*logged-in/.test(textOf(list)),
        note: stillAlice ? undefined : 'default switched to bob',
      };
    },
  },
  {
    name: "list bob's files once",
    async run(agent) {
      const r = await agent.call('files_ls', { path: 'drive/Home', profile: 'bob@olares.com' });
      return { answered: !r.isError };
    },
  },
];

export async function runAgentTasks(): Promise<TaskRun[]> {
  const box = await makeBox({ marketStepMs: 20 });
  const work = join(box.home, 'work');
  await mkdir(work, { recursive: true });
  const mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work, OLARES_MARKET_POLL_MS: '20' });
  const runs: TaskRun[] = [];
  try {
    for (const task of TASKS) {
      if (task.name === 'delete the report') await seedReport(mcp, work);
      const agent = new Agent(mcp);
      let outcome: { answered: boolean; note?: string };
      try {
        outcome = await task.run(agent, box);
      } catch (err) {
        outcome = { answered: false, note: (err as Error).message.slice(0, 120) };
      }
      runs.push({ task: task.name, calls: agent.calls, ...outcome });
    }
  } finally {
    await mcp.close();
    await box.close();
  }
  return runs;
}

/** The report the user means, put on the box by an upload outside the agent's count. */
async function seedReport(mcp: McpSession, work: string) {
  const local = join(work, 'Q3 report.pdf');
  await writeFile(local, 'quarterly numbers\n');
  const r = await mcp.call('files_upload', { localPath: local, remotePath: 'drive/Home/Documents/' });
  if (r.isError) throw new Error(`seeding the report failed: ${textOf(r)}`);
}

export async function benchAgentTasks(): Promise<BenchResult> {
  const runs = await runAgentTasks();
  const table = runs.map((r) => ({
    task: r.task,
    calls: r.calls.length,
    text: r.calls.reduce((a, c) => a + c.textChars, 0),
    structured: r.calls.reduce((a, c) => a + c.structuredChars, 0),
    answered: r.answered,
    note: r.note ?? '',
  }));
  process.stdout.write('agent-tasks per task (calls, text chars, structured chars, answered):\n');
  for (const t of table)
    process.stdout.write(
      `  ${t.task.padEnd(32)} ${String(t.calls).padStart(2)} ${String(t.text).padStart(6)} ${String(t.structured).padStart(6)} ${t.answered ? 'yes' : 'NO '} ${t.note}\n`,
    );
  const maxCalls = Math.max(...table.map((t) => t.calls));
  const totalText = table.reduce((a, t) => a + t.text, 0);
  const totalStructured = table.reduce((a, t) => a + t.structured, 0);
  const answered = table.filter((t) => t.answered).length;
  return {
    name: 'agent-tasks',
    figures: {
      tasks: table.length,
      answered,
      calls: table.reduce((a, t) => a + t.calls, 0),
      maxCalls,
      textChars: totalText,
      structuredChars: totalStructured,
    },
    goal: 'every task <= 3 calls, all ten <= 12000 text chars, all answered',
    pass: maxCalls <= 3 && totalText <= 12_000 && answered === table.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchAgentTasks());
