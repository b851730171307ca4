#!/usr/bin/env node
// `limen` entry point for npx / npm link: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../limen.ts');
