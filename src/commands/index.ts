// Human subcommands: the same auth core as the MCP tools, in a terminal.
import { parseArgs } from 'node:util';
import { AuthContext, parseOlaresId, type TokenGrant } from '../auth/index.js';
import { InvalidInputError } from '../errors.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

export async function runHumanCommand(command: string, argv: string[]): Promise<boolean> {
  try {
    return await runCommand(command, argv);
  } finally {
    // With OLARES_STATE=redis a store that is down would keep reconnecting, and the process alive.
    const { closeStateStores } = await import('../auth/redis/store.js');
    await closeStateStores();
  }
}

async function runCommand(command: string, argv: string[]): Promise<boolean> {
  switch (command) {
    case 'login':
      await login(argv);
      return true;
    case 'import':
      await importCmd(argv);
      return true;
    case 'profile':
      await profile(argv);
      return true;
    case 'doctor': {
      const { values } = parseArgs({
        args: argv,
        options: { profile: { type: 'string' }, json: { type: 'boolean' } },
      });
      const { diagnose, formatDiagnosis } = await import('../tools/doctor.js');
      const d = await diagnose(new AuthContext(), values.profile);
      out(values.json ? JSON.stringify(d, null, 2) : formatDiagnosis(d));
      if (d.problems.length) process.exitCode = 1;
      return true;
    }
    case 'remote': {
      const { runRemoteCommand } = await import('./remote.js');
      await runRemoteCommand(argv);
      return true;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      await runDemo();
      return true;
    }
    default:
      return false;
  }
}

async function readLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += chunk;
    const nl = data.indexOf('\n');
    if (nl >= 0) return data.slice(0, nl).replace(/\r$/, '');
  }
  return data.replace(/\r?\n$/, '');
}

/** Reads a line from the terminal; with hidden: true nothing is echoed. */
function prompt(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    if (!hidden) {
      readLine().then(resolve, reject);
      return;
    }
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = (ch: string) => {
      for (const c of ch) {
        if (c === '\r' || c === '\n' || c === '\u0004') {
          stdin.setRawMode?.(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (c === '\u0003') {
          stdin.setRawMode?.(false);
          process.stderr.write('\n');
          reject(new InvalidInputError('aborted'));
          return;
        }
        if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
        else value += c;
      }
    };
    stdin.on('data', onData);
  });
}

function printStored(
  verb: string,
  r: { name: string; backend: string; switched: boolean; previous?: string },
  olaresId: string,
) {
  out(`${verb} ${olaresId} (profile: ${r.name})`);
  if (r.switched) out(`switched current profile to ${r.name}`);
  if (r.previous) out(`previous profile: ${r.previous} (use 'olares-mcp profile use -' to switch back)`);
  err(`token stored via ${r.backend} (service "olares-mcp", account "${olaresId}").`);
}

async function login(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'olares-id': { type: 'string' },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      totp: { type: 'string' },
      'no-switch': { type: 'boolean' },
    },
  });
  if (!values['olares-id'])
    throw new InvalidInputError(
      '--olares-id is required (e.g. olares-mcp login --olares-id alice@olares.com)',
    );
  const { olaresId } = parseOlaresId(values['olares-id']);
  const auth = new AuthContext();
  await auth.checkProfileName(olaresId, values.name);
  await auth.assertCanAuthenticate(olaresId);
  const target = await auth.authTarget(olaresId);
  err(
    `signing in at ${target.scheme}//${target.host}${target.trusted ? '' : ' (new host: no profile uses it yet)'}`,
  );
  let password: string;
  if (values['password-stdin']) password = await readLine();
  else if (process.stdin.isTTY) password = await prompt(`password for ${olaresId}: `, true);
  else
    throw new InvalidInputError(
      'stdin is not a terminal; pass --password-stdin and pipe the password instead',
    );
  if (!password) throw new InvalidInputError('password is empty');
  const first = await auth.passwordStep(olaresId, password);
  password = '';
  let grant: TokenGrant = first;
  if (first.fa2) {
    let code = values.totp;
    if (!code) {
      if (!process.stdin.isTTY || values['password-stdin'])
        throw new InvalidInputError('two-factor authentication required: re-run with --totp <code>');
      code = (await prompt(`two-factor code for ${olaresId}: `, false)).trim();
    }
    if (!code) throw new InvalidInputError('TOTP code is empty');
    grant = await auth.totpStep(olaresId, first, code);
  }
  printStored(
    'logged in as',
    await auth.persistGrant({ olaresId, name: values.name, makeCurrent: !values['no-switch'] }, grant),
    olaresId,
  );
}

async function importCmd(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'olares-id': { type: 'string' },
      name: { type: 'string' },
      'refresh-token-env': { type: 'string' },
      'refresh-token-file': { type: 'string' },
      'no-switch': { type: 'boolean' },
    },
  });
  if (!values['olares-id']) throw new InvalidInputError('--olares-id is required');
  const { olaresId } = parseOlaresId(values['olares-id']);
  const auth = new AuthContext();
  await auth.checkProfileName(olaresId, values.name);
  // The person at the keyboard typed the olaresId and the path: a new host is their choice.
  const grant = await auth.importRefreshToken(
    olaresId,
    { refreshTokenEnv: values['refresh-token-env'], refreshTokenFile: values['refresh-token-file'] },
    {
      confirmNewHost: async (t) => {
        err(`note: ${t.scheme}//${t.host} is a new auth host (no profile uses it yet)`);
      },
    },
  );
  printStored(
    'imported credentials for',
    await auth.persistGrant({ olaresId, name: values.name, makeCurrent: !values['no-switch'] }, grant),
    olaresId,
  );
}

async function profile(argv: string[]) {
  const [verb, key] = argv;
  const auth = new AuthContext();
  switch (verb) {
    case 'list':
    case 'ls':
    case undefined: {
      const { profiles } = await auth.listProfiles();
      if (!profiles.length) {
        out('no profiles configured.');
        out(
          'run `olares-mcp login --olares-id <id>` or `olares-mcp import --olares-id <id> --refresh-token-env OLARES_REFRESH_TOKEN` to add one.',
        );
        return;
      }
      const rows = [
        ['', 'NAME', 'OLARES-ID', 'STATUS', 'STORE'],
        ...profiles.map((p) => [p.current ? '*' : '', p.name, p.olaresId, p.status, p.backend ?? '-']),
      ];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows)
        out(
          r
            .map((c, i) => c.padEnd(widths[i]))
            .join('  ')
            .trimEnd(),
        );
      return;
    }
    case 'use': {
      if (!key) throw new InvalidInputError('usage: olares-mcp profile use <name|olaresId|->');
      const { profile: p } = await auth.profiles.use(key);
      out(`switched to profile ${p.name || p.olaresId} (${p.olaresId})`);
      return;
    }
    case 'remove':
    case 'rm': {
      if (!key) throw new InvalidInputError('usage: olares-mcp profile remove <name|olaresId>');
      const r = await auth.removeProfile(key);
      out(`removed profile ${r.removed.name || r.removed.olaresId} (${r.removed.olaresId})`);
      if (r.tokenWarning) err(`warning: ${r.tokenWarning}`);
      out(r.current ? `current profile is now: ${r.current}` : 'no profiles remain.');
      return;
    }
    default:
      throw new InvalidInputError(`unknown profile command "${verb}"; use list, use or remove`);
  }
}
