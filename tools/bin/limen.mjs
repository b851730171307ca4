#!/usr/bin/env node
// `limen` entry point for npx / npm link: loads the TypeScript CLI through tsx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repository's tsconfig maps `@limen/sdk` to its sources; without it, a `limen` started
// from another folder would resolve the SDK to its unbuilt `dist/`.
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
register();
await import('../limen.ts');
