import { useId } from 'react';
import { STRENGTH_STEPS, strengthLabel } from '../../../main/core/style-strength';
import { TASK_REFERENCE_KIND, useRestyleStore } from '../stores/use-restyle-store';
import { useActivePack } from '../stores/use-settings-store';

/**
 * "How much of me": a slider from generic (the pack's reference style, the
 * average of many writers) to fully me (the profile's own mean). A pack without a
 * reference for the task's kind of document cannot blend, so the slider is
 * disabled and says why.
 */
export function StyleStrength() {
  const pack = useActivePack();
  const task = useRestyleStore((s) => s.task);
  const strength = useRestyleStore((s) => s.strength);
  const setStrength = useRestyleStore((s) => s.setStrength);
  const id = useId();
  const hintId = useId();
  const kind = TASK_REFERENCE_KIND[task];
  const available = pack?.referenceKinds?.includes(kind) ?? false;
  const shown = available ? strength : 1;
  const step = STRENGTH_STEPS[1]!.value - STRENGTH_STEPS[0]!.value;
  return (
    <div className="strength-choice" data-testid="style-strength" data-available={available}>
      <label htmlFor={id} className="label-small">
        Style strength
      </label>
      <div className="strength-slider">
        <span className="strength-end" aria-hidden="true">
          generic
        </span>
        <input
          id={id}
          type="range"
          min={0}
          max={1}
          step={step}
          value={shown}
          disabled={!available}
          aria-valuetext={strengthLabel(shown)}
          aria-describedby={hintId}
          onChange={(e) => setStrength(Number(e.target.value))}
        />
        <span className="strength-end" aria-hidden="true">
          fully me
        </span>
      </div>
      <span id={hintId} className={available ? 'strength-value' : 'strength-note'} data-testid="style-strength-value">
        {available ? strengthLabel(shown) : pack ? `always fully you: this model pack has no generic ${kind} style to blend with` : 'always fully you: no model pack is in use'}
      </span>
    </div>
  );
}
