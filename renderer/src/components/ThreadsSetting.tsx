import { useEffect, useId, useState } from 'react';
import { errorMessage, type SettingsInfo } from '../api';
import { useSettingsStore } from '../stores/use-settings-store';
import { useUiStore } from '../stores/use-ui-store';
import { plural } from '../lib/format';

/** Why `text` is not a thread count this machine can use, or null when it is one. */
export function threadsProblem(text: string, max: number): string | null {
  const t = text.trim();
  const range = `a whole number from 1 to ${max} (this computer has ${max} processor${max === 1 ? '' : 's'})`;
  if (!t) return `Enter ${range}.`;
  if (!/^\d+$/.test(t)) return `“${t}” is not a thread count: enter ${range}.`;
  const n = Number(t);
  if (n < 1 || n > max) return `${n} is out of range: enter ${range}.`;
  return null;
}

/**
 * The onnxruntime thread count. Stored 0 means "automatic"; the field then shows the
 * count the loaded model really runs with, not the 0, and a fixed count is chosen by
 * turning automatic off. Out-of-range input is refused here with the reason (the
 * services refuse it too).
 */
export function ThreadsSetting({ settings }: { settings: SettingsInfo | null }) {
  const setThreads = useSettingsStore((s) => s.setThreads);
  const toast = useUiStore((s) => s.toast);
  const inputId = useId();
  const autoId = useId();
  const errorId = useId();
  const [auto, setAuto] = useState(true);
  const [text, setText] = useState('');
  const [saving, setSaving] = useState(false);
  const saved = settings?.threads;
  const inUse = settings?.threadsInUse ?? null;
  const max = settings?.maxThreads ?? 1;

  // Follow the saved value (and the count in use) only when they change, so a background refresh never wipes what is being typed.
  useEffect(() => {
    if (saved === undefined) return;
    setAuto(saved === 0);
    setText(saved === 0 ? (inUse === null ? '' : String(inUse)) : String(saved));
  }, [saved, inUse]);

  const problem = auto ? null : threadsProblem(text, max);
  const changed = settings !== null && (auto ? settings.threads !== 0 : problem === null && Number(text) !== settings.threads);

  return (
    <form
      className="threads-form"
      aria-label="Threads"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!changed || problem) return;
        setSaving(true);
        try {
          await setThreads(auto ? 0 : Number(text));
          toast({ tone: 'success', message: auto ? 'Threads are chosen automatically again.' : `The model now runs on ${plural(Number(text), 'thread')}.` });
        } catch (err) {
          toast({ tone: 'error', message: errorMessage(err) });
        } finally {
          setSaving(false);
        }
      }}
    >
      <div className="inline-form">
        <label htmlFor={inputId} className="label-inline">
          Threads
        </label>
        <input
          id={inputId}
          className="input input-num"
          type="text"
          inputMode="numeric"
          placeholder={auto ? 'auto' : undefined}
          value={text}
          disabled={!settings || auto}
          aria-invalid={problem !== null}
          aria-describedby={problem ? errorId : undefined}
          onChange={(e) => setText(e.target.value)}
        />
        <label className="radio" htmlFor={autoId}>
          <input
            id={autoId}
            type="checkbox"
            checked={auto}
            disabled={!settings}
            onChange={(e) => {
              setAuto(e.target.checked);
              if (!e.target.checked && !text) setText(String(inUse ?? 1));
            }}
          />
          Automatic
        </label>
        <button type="submit" className="btn btn-small" disabled={!changed || saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
      {problem ? (
        <p className="form-error" id={errorId} role="alert" data-testid="threads-error">
          {problem}
        </p>
      ) : (
        <p className="muted small" data-testid="threads-note">
          {inUse === null
            ? 'The model is not loaded yet; the count in use shows once it is.'
            : settings?.threads === 0
              ? `${inUse} in use, chosen for this pack and this computer (${max} processors).`
              : `${inUse} in use, as set (this computer has ${max} processors).`}
        </p>
      )}
    </form>
  );
}
