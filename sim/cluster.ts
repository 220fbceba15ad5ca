// The cluster part of the simulator (olares-api/cluster.md). Placeholder until its issue lands.
import type { Simulator } from './server.js';

export function registerCluster(_sim: Simulator) {}
