/**
 * Light and dark themes. Without a choice the system's preference applies (CSS media query); a choice
 * made with the toggle is remembered on this device.
 */

export type Theme = 'light' | 'dark' | 'system';
const KEY = 'picloud.theme';

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(KEY, theme);
  }
}

export function applyStoredTheme(): void {
  applyTheme(storedTheme());
}

/** The theme in effect now (resolving "system"). */
export function effectiveTheme(): 'light' | 'dark' {
  const theme = storedTheme();
  if (theme !== 'system') return theme;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
