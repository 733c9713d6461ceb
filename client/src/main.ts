import { mount } from 'svelte';
import { LOAD_MARK, markLoad } from './lib/util/load-marks.ts';
import App from './App.svelte';
import { registerServiceWorker } from './lib/sync/app-update.ts';
import { auth } from './lib/state/auth.svelte.ts';
import './app.css';

markLoad(LOAD_MARK.main);

// Who I am is asked before the page is built: every page waits for the answer.
void auth.refresh();

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

registerServiceWorker();

export default mount(App, { target });
