// `node --import ./record-imports.mjs ...`: appends the URL of every module the process
// resolves to the file named by IMPORTS_LOG (tests check what a command loads).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.IMPORTS_LOG) appendFileSync(process.env.IMPORTS_LOG, r.url + '\\n');
  return r;
}
`),
);
