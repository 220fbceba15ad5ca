/** The last word of a command that failed: the error in user words on stderr, exit code 1. */
export async function reportFatal(err: unknown): Promise<void> {
  const { describeError } = await import('./tools/errors.js');
  process.stderr.write(`olares-mcp: ${describeError(err)}\n`);
  process.exitCode = 1;
}
