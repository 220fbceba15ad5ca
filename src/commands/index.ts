// Human subcommands (login, import, profile, doctor, demo). Filled in by issue 3.
export async function runHumanCommand(_command: string, _args: string[]): Promise<boolean> {
  return false;
}
