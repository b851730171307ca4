// The console's browser side: its page, and its app (preact + htm + Chart.js) bundled
// by esbuild once per process (in the production bundle, prebuilt: see tools/build.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { consoleAppOptions } from './app-options.js';

export interface ConsoleAssets {
  html: string;
  js: string;
}

let bundle: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  bundle ??= (async () => {
    const html = readFileSync(new URL('./web/index.html', import.meta.url), 'utf8');
    const result = await build(consoleAppOptions(fileURLToPath(new URL('./web/app.js', import.meta.url))));
    return { html, js: result.outputFiles[0]!.text };
  })();
  return bundle;
}
