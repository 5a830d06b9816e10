/** Entry point of the control panel: styles, theme, then the root component. */
import { render } from 'preact';
import { Root } from './app/root.js';
import { applyStoredTheme } from './app/theme.js';
import './styles/panel.css';

applyStoredTheme();
render(<Root />, document.getElementById('root')!);
