// The bundle's entry (scripts/build.mjs): src/cli.ts runs it through V8's code cache.
import './zodConfig.js';
import { main } from './main.js';

const [command, ...rest] = process.argv.slice(2);
void main(command, rest);
