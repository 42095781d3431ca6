'use client';
import { createContext, forwardRef, useContext, useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode } from 'react';

export function Field({ label, hint, error, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string }) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
        {...input}
      />
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export const Button = forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' }>(function Button(
  { variant = 'primary', ...props },
  ref,
) {
  const styles = {
    primary: 'bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300',
    secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 disabled:text-slate-400',
    danger: 'bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300',
  }[variant];
  return <button ref={ref} className={`rounded-md px-4 py-2 text-sm font-medium shadow-sm ${styles}`} {...props} />;
});

export function ErrorMessage({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {children}
    </p>
  );
}

/**
 * The error and the confirmation of a card's actions (shown with ErrorMessage and SavedMessage), and
 * `act`: clears both, awaits the action, then shows `done` or the error. Resolves whether it worked.
 */
export function useActionStatus() {
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  async function act(p: Promise<unknown>, done: string): Promise<boolean> {
    setError(null);
    setStatus(null);
    try {
      await p;
      setStatus(done);
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    }
  }
  return { error, setError, status, setStatus, act };
}

/** A confirmation after a save, announced politely; nothing when there is none. */
export function SavedMessage({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <p role="status" className="mt-2 text-sm text-green-700">
      {children}
    </p>
  );
}

/** The level of a Card's title: 2 on a page, 3 inside a section that has its own h2 (Settings sections). */
export const CardHeadingLevel = createContext<2 | 3>(2);

export function Card({ title, children, actions }: { title?: string; children: ReactNode; actions?: ReactNode }) {
  const Heading = useContext(CardHeadingLevel) === 3 ? 'h3' : 'h2';
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm" aria-label={title}>
      {(title || actions) && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
          {title && <Heading className="text-lg font-semibold">{title}</Heading>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" className="text-sm text-slate-500">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">{children}</p>;
}

/**
 * A destructive action asked twice, in place: the first press turns the button into "Yes, …" and
 * "Cancel" (keyboard focus moves to the confirmation), so nothing is removed by one stray click.
 */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled, accessibleName }: { label: string; confirmLabel: string; onConfirm: () => void | Promise<unknown>; disabled?: boolean; accessibleName?: string }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <Button type="button" variant="secondary" disabled={disabled} aria-label={accessibleName} onClick={() => setAsking(true)}>
        {label}
      </Button>
    );
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Button
        ref={yes}
        type="button"
        variant="danger"
        disabled={disabled}
        onClick={async () => {
          await onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </Button>
      <Button type="button" variant="secondary" onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </span>
  );
}

/** Copies a value to the clipboard and says so; where the clipboard is refused, selects the text to copy by hand. */
export function CopyButton({ value, label = 'Copy', targetId }: { value: string; label?: string; targetId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      const el = targetId ? document.getElementById(targetId) : null;
      if (el) {
        const range = document.createRange();
        range.selectNodeContents(el);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
      setState('manual');
    }
  }
  return (
    <span className="inline-flex items-center gap-2">
      <Button type="button" variant="secondary" onClick={copy}>
        {label}
      </Button>
      <span role="status" className="text-xs text-slate-600">
        {state === 'copied' ? 'Copied.' : state === 'manual' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </span>
    </span>
  );
}
