// The files part of the simulator (olares-api/files.md). Placeholder until its issue lands.
import type { Simulator } from './server.js';

export function registerFiles(_sim: Simulator) {}
