/**
 * A one-line progress bar on stderr. Drawn only on a terminal (redirected output
 * stays clean) and redrawn at most ten times a second.
 */
export class ProgressBar {
  private last = 0;
  private drawn = false;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly label: string) {}

  update(done: number, total: number, note = '', etaSec: number | null = null): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const fill = Math.round(frac * width);
    const eta = etaSec === null ? '' : ` ETA ${formatSecs(etaSec)}`;
    const line = `${this.label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${Math.round(frac * 100)}% ${note}${eta}`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

function formatSecs(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
