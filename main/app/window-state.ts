// Window size and position survive restarts (saved in the user-data folder). A saved
// position is used only if it is still on a connected display, so a window closed on
// an unplugged monitor does not reopen off-screen.
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const stateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof stateSchema>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1200, height: 800, maximized: false };

const FILE = 'window-state.json';

/** Reads the saved state; anything missing, unreadable or off every display falls back to defaults. */
export function loadWindowState(dir: string, workAreas: Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, FILE), 'utf8'));
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) return DEFAULT_WINDOW_STATE;
  const s = parsed.data;
  if (s.x === undefined || s.y === undefined) return { width: s.width, height: s.height, maximized: s.maximized };
  const visible = workAreas.some((a) => overlap(a, { x: s.x!, y: s.y!, width: s.width, height: s.height }) >= 100 * 100);
  return visible ? s : { width: s.width, height: s.height, maximized: s.maximized };
}

export async function saveWindowState(dir: string, state: WindowState): Promise<void> {
  const tmp = join(dir, `${FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, join(dir, FILE));
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
