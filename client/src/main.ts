import { mount } from 'svelte';
import App from './App.svelte';
import { registerServiceWorker } from './lib/sync/app-update.ts';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

registerServiceWorker();

export default mount(App, { target });
