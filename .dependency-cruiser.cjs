/**
 * Dependency rules, checked by `depcruise --validate` (test/dependency-rules.test.ts runs
 * it in `npm test`). Each rule says why it exists; add new ones below.
 * @type {import('dependency-cruiser').IConfiguration}
 */
/** Drivers: modules that talk to hardware or run a device process (see firmware-no-driver). */
const DRIVERS = [
  '^hal/gpio/',
  '^hal/serial/',
  '^hal/osdp/',
  '^hal/wiegand/(gpio-reader|serial-reader|index)\\.ts$',
  '^hal/camera/(process-camera|sources|index)\\.ts$',
  '^hal/display/(ssd1306|index)\\.ts$',
].join('|');

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
      comment: "'@limen/sdk' and '@limen/sdk/protocol' resolve to sdk/src/index.ts and sdk/src/protocol/index.ts in this repo (the package's two exports); any other sdk/ file reached through an alias is not a public export.",
      severity: 'error',
      from: { path: '^tools/site/' },
      to: { path: '^sdk/', pathNot: '^sdk/src/(protocol/)?index\\.ts$' },
    },
    {
      name: 'sdk-not-to-terminal-code',
      comment: '@limen/sdk is published on its own (no native dependencies): it never imports the firmware, the HAL, the models or the boards.',
      severity: 'error',
      from: { path: '^sdk/' },
      to: { path: '^(firmware|hal|models|board)/' },
    },
    {
      name: 'hal-not-to-firmware-or-sdk',
      comment: 'The HAL is the bottom layer: devices and their contracts know nothing of the firmware that uses them or of the wire.',
      severity: 'error',
      from: { path: '^hal/' },
      to: { path: '^(firmware|sdk)/' },
    },
    {
      name: 'models-not-to-terminal-code',
      comment: 'models/ (manifest, fetcher, pre-processing) is used by the firmware, the benches and the CLI alike: it imports no layer of the terminal.',
      severity: 'error',
      from: { path: '^models/' },
      to: { path: '^(firmware|hal|board)/' },
    },
    {
      name: 'board-not-to-firmware',
      comment: 'A board definition and its driver factory serve the firmware; they never import it.',
      severity: 'error',
      from: { path: '^board/' },
      to: { path: '^firmware/' },
    },
    {
      name: 'firmware-no-driver',
      comment:
        'Firmware uses HAL interfaces (hal/*.ts), frame formats (hal/camera/formats.ts) and sim twins\' types; the board factory (board/devices.ts) is the one place that picks and imports a driver. ' +
        'A driver is a module that talks to hardware or runs a device process: GPIO (onoff), serial readers, OSDP, Wiegand readers, the process camera and its sources, the SSD1306 display, and the barrels that re-export them.',
      severity: 'error',
      from: { path: '^firmware/' },
      to: { path: DRIVERS },
    },
    {
      name: 'firmware-not-to-tools',
      comment: 'The shipped terminal (firmware/main.ts) carries no development tool: the CLI, simulator, console and benches import the firmware, never the other way.',
      severity: 'error',
      from: { path: '^firmware/' },
      to: { path: '^tools/' },
    },
    {
      name: 'firmware-protocol-via-package',
      comment: "Firmware imports the wire contract as '@limen/sdk/protocol' (the SDK's public protocol export), never a file inside sdk/ by relative path, nor the rest of the SDK.",
      severity: 'error',
      from: { path: '^firmware/' },
      to: { path: '^sdk/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'firmware-protocol-export-only',
      comment: "'@limen/sdk/protocol' resolves to sdk/src/protocol/index.ts; firmware needs nothing else of the SDK.",
      severity: 'error',
      from: { path: '^firmware/' },
      to: { path: '^sdk/', pathNot: '^sdk/src/protocol/index\\.ts$' },
    },
    {
      name: 'bench-no-test-fixtures',
      comment: 'Benchmarks measure with generators and helpers of their own (tools/bench/), not with test fixtures that tests are free to change.',
      severity: 'error',
      from: { path: '^tools/bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'firmware-no-circular',
      comment: 'No import cycle between firmware modules (terminal.ts wires the parts; the parts never import it back).',
      severity: 'error',
      from: { path: '^firmware/' },
      to: { path: '^firmware/', circular: true },
    },
    {
      name: 'firmware-no-circular-folders',
      comment: 'No cycle between firmware folders either (access, store, security, privacy, fleet, ...): each depends one way.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^firmware/' },
      to: { path: '^firmware/', circular: true },
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
