import { useId, type RefObject } from 'react';
import { Icon } from './Icon';

/** The search field of a list page (Library, History): a labelled input that "/" focuses. */
export function SearchBox({
  label,
  placeholder,
  value,
  onChange,
  inputRef,
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange(v: string): void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const id = useId();
  return (
    <div className="search">
      <Icon name="search" size={16} />
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <input ref={inputRef} id={id} className="input search-input" type="search" placeholder={placeholder} aria-keyshortcuts="/" value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
