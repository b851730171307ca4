/**
 * Dependency rules, checked by `depcruise --validate` (test/dependency-rules.test.ts runs
 * it in `npm test`). Each rule says why it exists; add new ones below.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'site-not-to-terminal-code',
      comment:
        'tools/site is a backend like any integrator would write: it never imports the firmware, the HAL, the models or the boards; terminals are reached through @limen/sdk.',
      severity: 'error',
      from: { path: '^tools/site/' },
      to: { path: '^(firmware|hal|models|board)/' },
    },
    {
      name: 'site-sdk-public-entry-only',
      comment: "tools/site imports the SDK only as the package '@limen/sdk' (its public exports), never a file inside sdk/.",
      severity: 'error',
      from: { path: '^tools/site/' },
      to: { path: '^sdk/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'site-sdk-public-entry-only-paths',
      comment: "'@limen/sdk' resolves to sdk/src/index.ts in this repo; any other sdk/ file reached through an alias is not a public export.",
      severity: 'error',
      from: { path: '^tools/site/' },
      to: { path: '^sdk/', pathNot: '^sdk/src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|var|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
