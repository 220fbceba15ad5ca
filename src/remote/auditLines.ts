// The audit lines of serve --http (one per call, on stdout), written once per turn of the event
// loop rather than once per call: on Linux a write to a pipe is a synchronous system call, and
// one per call was a twentieth of a replica's CPU under load. A line waits at most for the calls
// already running in that turn; lines still waiting when the process exits are written then.
export class AuditLines {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {
    process.once('exit', () => this.flush());
  }

  push(line: string): void {
    this.pending.push(`${line}\n`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    this.write(text);
  }
}
