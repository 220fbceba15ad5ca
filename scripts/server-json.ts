// `npm run server-json`: writes server.json, the MCP Registry entry, from package.json (name,
// version, mcpName) and the configuration table in src/config.ts, so the entry never drifts from
// what is published or from the variables the server reads. `--check` only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VARIABLES, type VariableSpec } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..');
export const SERVER_JSON = join(ROOT, 'server.json');
/** The registry's current schema; its publisher refuses any other. */
export const SERVER_SCHEMA_URL =
  'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
const DESCRIPTION =
  'Olares personal cloud for agents: files, app market, cluster, dashboard; logins stay out of chat';

/** Users set these; the tuning knobs stay in README. */
const USER_GROUPS: ReadonlySet<VariableSpec['group']> = new Set(['connection', 'safety', 'credentials']);

function environmentVariable(v: VariableSpec) {
  const values = v.kind === 'enum' ? v.values : undefined;
  return {
    name: v.name,
    description: v.description,
    isRequired: false,
    isSecret: v.secret === true,
    ...(v.kind === 'boolean' ? { format: 'boolean' } : {}),
    ...(values ? { choices: [...values] } : {}),
    ...(values?.includes(v.default) ? { default: v.default } : {}),
  };
}

export function serverJson(pkg: { name: string; version: string; mcpName: string }) {
  return {
    $schema: SERVER_SCHEMA_URL,
    name: pkg.mcpName,
    title: 'Olares',
    description: DESCRIPTION,
    version: pkg.version,
    packages: [
      {
        registryType: 'npm',
        registryBaseUrl: 'https://registry.npmjs.org',
        identifier: pkg.name,
        version: pkg.version,
        transport: { type: 'stdio' },
        environmentVariables: VARIABLES.filter((v) => USER_GROUPS.has(v.group)).map(environmentVariable),
      },
    ],
  };
}

export const renderServerJson = (pkg: Parameters<typeof serverJson>[0]) =>
  `${JSON.stringify(serverJson(pkg), null, 2)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const text = renderServerJson(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  if (process.argv.includes('--check')) {
    if (readFileSync(SERVER_JSON, 'utf8') !== text) {
      console.error('server.json is out of date. Fix: npm run server-json');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(SERVER_JSON, text);
    console.log('wrote server.json');
  }
}
