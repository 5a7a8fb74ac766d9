/** Small DOM helpers of the settings page. Every text goes in through textContent, never as HTML. */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
export const dialog = (id: string): HTMLDialogElement => $<HTMLDialogElement>(id);

export function radios(name: string): HTMLInputElement[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>('input[name="' + name + '"]'));
}

export function radioValue(name: string): string {
  const checked = radios(name).filter((r) => r.checked)[0];
  return checked ? checked.value : '';
}

export function setRadio(name: string, value: string): void {
  radios(name).forEach((r) => {
    r.checked = r.value === value;
  });
}

export function text(id: string, value: string | null | undefined): void {
  $(id).textContent = value || '';
}

/** A trimmed input value. */
export function value(id: string): string {
  return input(id).value.trim();
}

export function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function sentence(value: string | undefined): string {
  return value ? value.charAt(0).toUpperCase() + value.slice(1) : '';
}
