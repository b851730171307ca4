// How the console's browser app (preact + htm + Chart.js) is bundled: one set of esbuild
// options for the console server (at start) and the production build (ahead of time).
import type { BuildOptions } from 'esbuild';

export function consoleAppOptions(entry: string): BuildOptions & { write: false } {
  return { entryPoints: [entry], bundle: true, format: 'esm', minify: true, write: false, target: 'es2022', logLevel: 'silent' };
}
