// The market part of the simulator (olares-api/market.md). Placeholder until its issue lands.
import type { Simulator } from './server.js';

export function registerMarket(_sim: Simulator) {}
