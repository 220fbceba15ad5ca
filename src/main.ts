// The commands. None: serve MCP on stdio. Subcommands are for humans.
export function main(command: string | undefined, rest: string[]): Promise<void> {
  return run(command, rest).catch(async (err) => {
    const { describeError } = await import('./tools/errors.js');
    process.stderr.write(`olares-mcp: ${describeError(err)}\n`);
    process.exitCode = 1;
  });
}

async function run(command: string | undefined, rest: string[]) {
  switch (command) {
    case undefined:
    case 'serve': {
      if (rest.length) {
        const { serveHttp } = await import('./serveHttp.js');
        await serveHttp(rest);
        return;
      }
      const { serveStdio } = await import('./server.js');
      await serveStdio();
      return;
    }
    case 'sim': {
      const { runSimCommand } = await import('./commands/sim.js');
      await runSimCommand(rest);
      return;
    }
    case 'login-page': {
      // Hidden: the detached login page the server spawns for profile_login (not for people).
      const { runLoginPageProcess } = await import('./auth/loginPageProcess.js');
      await runLoginPageProcess(rest);
      return;
    }
    case '--version':
    case '-v': {
      const { SERVER_VERSION } = await import('./server.js');
      process.stdout.write(`olares-mcp ${SERVER_VERSION}\n`);
      return;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default: {
      const { runHumanCommand } = await import('./commands/index.js');
      const handled = await runHumanCommand(command, rest);
      if (!handled) {
        process.stderr.write(`olares-mcp: unknown command "${command}"\n\n${USAGE}`);
        process.exitCode = 2;
      }
    }
  }
}

const USAGE = `usage: olares-mcp [command]

  (no command)                 serve MCP on stdio (what MCP clients run)
  serve --http                 serve MCP over Streamable HTTP (remote mode): --host H (127.0.0.1)
                               --port P (8080) --path /mcp --token-file F | --no-auth (loopback);
                               OLARES_MCP_ISSUER / OLARES_MCP_RESOURCE for OAuth bearer tokens
  login --olares-id ID         log in in this terminal (--password-stdin, --totp CODE, --name N)
  import --olares-id ID        import a refresh token (--refresh-token-env VAR | --refresh-token-file PATH)
  profile list|use|remove      manage profiles
  doctor [--profile P]         check credentials, lock dir and reachability
  remote bind|revoke --iss ISSUER --sub SUBJECT   bind a bearer principal to this instance's owner, or drop it
  sim [--port N]               run the Olares simulator and print its URL template and demo logins
  demo                         run the server against the simulator through a real MCP client
`;
