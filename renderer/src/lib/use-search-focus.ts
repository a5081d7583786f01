import { useEffect, type RefObject } from 'react';
import { useUiStore, type View } from '../stores/use-ui-store';

/** Focuses (and selects) `ref` when the "/" key asked for this view's search field; the request is used once. */
export function useSearchFocus(view: View, ref: RefObject<HTMLInputElement | null>, ready = true): void {
  const request = useUiStore((s) => s.searchFocus);
  useEffect(() => {
    if (!ready || request?.view !== view || !ref.current) return;
    ref.current.focus();
    ref.current.select();
    useUiStore.setState({ searchFocus: null });
  }, [request, view, ref, ready]);
}
