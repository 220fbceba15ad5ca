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
//
// Per task (calls / text chars / structured chars), main at the merge of the gate (ac4a195) with
// its steps, then after the agent-fitness change with the steps below (unhealthy filter, pattern
// filter, generated secret, approval page for the public link):
//   task                          before             after
//   connect me                    3 /  1106 /   520  3 / 1106 /  520
//   what's in Documents           1 /   300 /   184  1 /  300 /  184
//   install n8n                   2 /  1151 /   783  2 / 1463 / 1022  (secret generated, URL given)
//   is anything unhealthy         3 /  6191 /  5725  1 /  897 /  791
//   a pod keeps restarting, why   2 / 13984 / 13814  2 / 1425 /  996
//   how loaded is the box         1 /  3185 /  3024  1 / 1383 / 1274
//   delete the report             2 /   685 /   411  2 /  685 /  411
//   share Documents publicly      1 /   345 /     0  2 /  817 /  281  (before: no link)
//   connect bob too               2 /  1218 /   658  2 / 1218 /  658
//   list bob's files once         1 /   674 /   567  1 /  674 /  567
//   total                        18 / 28839 / 25686 17 / 9968 / 6704, 10 of 10 answered (before 9)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { completeLogin, hiddenFields, pageRequest } from '../test/helpers/browser.js';
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
  const approval = /http:\/\/127\.0\.0\.1:\d+\/approve\/[\w-]+/.exec(text)?.[0];
  if (approval) {
    const page = await pageRequest(approval);
    const body = new URLSearchParams({ ...hiddenFields(page.html), decision: 'approve' }).toString();
    await pageRequest(approval, { method: 'POST', body });
    return true;
  }
  return false;
}

type Task = { name: string; run(agent: Agent, box: TestBox): Promise<{ answered: boolean; note?: string }> };

const isRestarting = (p: any) => (p.restarts ?? 0) > 0;

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
      // The names of the variables it needs come from market_get; a secret is the server's to make.
      const required: string[] = (info.structuredContent?.envs ?? [])
        .filter((e: any) => e.required)
        .map((e: any) => e.name);
      const r = await agent.call('market_install', { app: 'n8n', wait: true, generateEnvs: required });
      const url = r.structuredContent?.urls?.[0];
      return {
        answered: !r.isError && r.structuredContent?.status === 'success' && Boolean(url),
        note: url ? undefined : 'no app URL in the result',
      };
    },
  },
  {
    name: 'is anything unhealthy',
    async run(agent) {
      const pods = await agent.call('cluster_pods', { unhealthy: true });
      const rows: any[] = pods.structuredContent?.pods ?? [];
      // Each row names its problem and, for a restarting pod, the last exit: no describe needed.
      return { answered: rows.length > 0 && rows.every((p) => p.problem) };
    },
  },
  {
    name: 'a pod keeps restarting, why',
    async run(agent) {
      const pods = await agent.call('cluster_pods', { unhealthy: true });
      const rows: any[] = pods.structuredContent?.pods ?? [];
      const p = rows.find(isRestarting);
      if (!p) return { answered: false, note: 'no restarting pod found in the list' };
      const logs = await agent.call('cluster_pod_logs', {
        namespace: p.namespace,
        pod: p.name,
        previous: true,
        pattern: 'error|panic|fatal',
      });
      return { answered: !logs.isError && Boolean(p.lastExit) && logs.structuredContent?.lines > 0 };
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
    async run(agent, box) {
      const args = { path: 'drive/Home/Documents', type: 'public', expireDays: 7 };
      let r = await agent.call('files_share_create', args);
      // Without forms a public link needs the user's click on an approval page, then the same call.
      if (r.isError && (await personOpens(box, textOf(r), 'alice@olares.com')))
        r = await agent.call('files_share_create', args);
      const link = r.structuredContent?.link;
      const view = r.structuredContent?.share?.permission === 1;
      return {
        answered: !r.isError && /^https:\/\/share\.\S+\/sharable-link\//.test(link ?? '') && view,
        note: link ? undefined : 'no share link in the result',
      };
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
