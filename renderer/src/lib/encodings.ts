/** An encoding label (as TextDecoder names it) the way people write it: "Windows-1252", "Mac Roman", "UTF-8". */
export function encodingName(label: string): string {
  const l = label.toLowerCase();
  if (l === 'macintosh') return 'Mac Roman';
  if (l === 'utf-16le') return 'UTF-16 LE';
  if (l === 'utf-16be') return 'UTF-16 BE';
  if (l.startsWith('windows-')) return `Windows-${l.slice(8)}`;
  if (l === 'shift_jis') return 'Shift_JIS';
  if (l === 'big5') return 'Big5';
  return l.toUpperCase();
}
