// `olares-mcp sim`: run the simulator in the foreground and print how to point olares-mcp at it.
import { parseArgs } from 'node:util';

export async function runSimCommand(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'token-ttl': { type: 'string' },
      'files-root': { type: 'string' },
    },
  });
  const { startSimulator } = await import('../../sim/server.js');
  const { generate } = await import('otplib');
  const sim = await startSimulator({
    port: values.port ? Number(values.port) : 0,
    accessTokenTtlSec: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
    filesRoot: values['files-root'],
  });
  const out: string[] = [
    `Olares simulator listening on ${sim.url}`,
    '',
    `  export OLARES_URL_TEMPLATE=${sim.urlTemplate}`,
    '',
    'Demo accounts:',
  ];
  for (const spec of sim.specs) {
    const totp = spec.totpSecret
      ? `  TOTP secret ${spec.totpSecret} (current code: ${await generate({ secret: spec.totpSecret })}; GET ${sim.url}/__sim/totp?olaresId=${spec.olaresId})`
      : '';
    out.push(`  ${spec.olaresId}  password ${spec.password}  role ${spec.role ?? 'owner'}${totp}`);
  }
  out.push('', 'Press Ctrl+C to stop.');
  process.stdout.write(`${out.join('\n')}\n`);
  const stop = () => sim.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
