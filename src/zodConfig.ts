// Imported first by the entry points, before any schema is built. zod compiles a parser per object
// schema with `new Function` on first use: at every start that is compile work for each protocol
// schema the SDK parses, which V8's code cache cannot keep, against a few microseconds per call
// saved on the small objects MCP exchanges (bench/startup.ts and bench/call-overhead.ts).
import { config } from 'zod';

config({ jitless: true });
