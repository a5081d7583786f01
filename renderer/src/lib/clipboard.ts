/**
 * Copies text to the clipboard. The async Clipboard API needs a secure context and
 * focus; where it is missing or refused (plain http on a LAN name, some embedded
 * browsers) fall back to a hidden textarea and execCommand('copy').
 */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Fall through to the legacy path.
    }
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  const prevFocus = document.activeElement as HTMLElement | null;
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  prevFocus?.focus();
  if (!ok) throw new Error('The browser refused to copy; select the text and copy it by hand.');
}
