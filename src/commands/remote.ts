// `olares-mcp remote bind|revoke --iss ISSUER --sub SUBJECT`: the owner, where the server's state
// lives (OLARES_STATE and its variables as the server has them), binds a bearer principal to this
// instance without the connect page, or drops a binding.
import { parseArgs } from 'node:util';
import { AuthContext } from '../auth/index.js';
import { checkPrincipal } from '../auth/principals.js';
import { InvalidInputError } from '../errors.js';

const USAGE = 'usage: olares-mcp remote bind|revoke --iss ISSUER --sub SUBJECT';

function parse(argv: string[]) {
  const [action, ...rest] = argv;
  if (action !== 'bind' && action !== 'revoke')
    throw new InvalidInputError(`remote needs bind or revoke${action ? `, not "${action}"` : ''}. ${USAGE}`);
  let values: { iss?: string; sub?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { iss: { type: 'string' }, sub: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new InvalidInputError(`${(err as Error).message}. ${USAGE}`);
  }
  for (const flag of ['iss', 'sub'] as const)
    if (!values[flag]) throw new InvalidInputError(`--${flag} is missing. ${USAGE}`);
  return { action, principal: checkPrincipal(values) };
}

export async function runRemoteCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { action, principal } = parse(argv);
  const auth = new AuthContext(env);
  const who = `subject "${principal.sub}" of ${principal.iss}`;
  const where = auth.state.where;
  try {
    if (action === 'bind') {
      const added = await auth.state.principals.bindPrincipal(principal);
      process.stdout.write(
        added
          ? `bound ${who} to this instance's owner (in ${where}): its bearer tokens are now served\n`
          : `${who} was already bound (in ${where}); nothing changed\n`,
      );
    } else {
      const removed = await auth.state.principals.revokePrincipal(principal);
      process.stdout.write(
        removed
          ? `revoked ${who} (in ${where}): its bearer tokens are refused from now on\n`
          : `${who} was not bound (in ${where}); nothing changed\n`,
      );
    }
  } finally {
    await auth.state.close();
  }
}
