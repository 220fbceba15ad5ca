// Diagnostics go to stderr only: on stdio, stdout carries the protocol. Never log secrets:
// callers pass messages, not request objects.
const debugOn = () => /^(1|debug|true)$/i.test(process.env.OLARES_MCP_DEBUG ?? '');

export const log = {
  info(msg: string) {
    process.stderr.write(`olares-mcp: ${msg}\n`);
  },
  warn(msg: string) {
    process.stderr.write(`olares-mcp: warning: ${msg}\n`);
  },
  debug(msg: string) {
    if (debugOn()) process.stderr.write(`olares-mcp: debug: ${msg}\n`);
  },
};
