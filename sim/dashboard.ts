// The dashboard part of the simulator (olares-api/dashboard.md). Placeholder until its issue lands.
import type { Simulator } from './server.js';

export function registerDashboard(_sim: Simulator) {}
