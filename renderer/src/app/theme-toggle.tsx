/** Cycles the theme: system → light → dark. */
import { useState } from 'preact/hooks';
import { applyTheme, storedTheme, type Theme } from './theme.js';

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const ICON: Record<Theme, string> = { system: '◐', light: '☀', dark: '☾' };

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme());
  return (
    <button
      type="button"
      class="ghost icon"
      aria-label={`${LABEL[theme]} (switch)`}
      title={LABEL[theme]}
      onClick={() => {
        const next = NEXT[theme];
        applyTheme(next);
        setTheme(next);
      }}
    >
      <span aria-hidden="true">{ICON[theme]}</span>
    </button>
  );
}
