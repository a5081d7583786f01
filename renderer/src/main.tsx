import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

async function boot(): Promise<void> {
  // In `vite dev` with no host behind it, a dev-only fake api lets the UI be worked
  // on in isolation. import.meta.env.DEV is false in builds, so the fake is not in them.
  if (import.meta.env.DEV && !window.api && new URLSearchParams(location.search).has('fake')) {
    await import('./dev/fake-api');
  }
  // In Electron the preload has installed window.api before any script runs. Served
  // by the web host, the page installs the HTTP + SSE implementation of the same Api;
  // it is a separate chunk, so the Electron window never loads it.
  if (!window.api) {
    const { installWebApi } = await import('../../main/web/client/web-api');
    installWebApi();
  }
  const root = createRoot(document.getElementById('root')!);
  if (!window.api) {
    root.render(
      <div className="fatal" role="alert">
        <h1>ComMer Studio can’t reach its engine</h1>
        <p>Open the app from its window, or from the address the web host printed when it started (it includes a token).</p>
      </div>,
    );
    return;
  }
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void boot();
