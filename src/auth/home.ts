// Where state lives: OLARES_MCP_HOME, else the platform's config dir.
import { homedir } from 'node:os';
import { join } from 'node:path';

function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'olares-mcp');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'olares-mcp');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'olares-mcp');
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.OLARES_MCP_HOME?.trim() || defaultHome(env);
}

export const homePaths = (home: string) => ({
  home,
  config: join(home, 'config.json'),
  tokens: join(home, 'tokens'),
  locks: join(home, 'locks'),
  audit: join(home, 'audit.log'),
});

/** File-name safe form of an olaresId (olares-cli's sanitizer: `@` and `.` kept). */
export const sanitizeId = (id: string) => id.replace(/[^A-Za-z0-9@._-]/g, '_') || '_';
