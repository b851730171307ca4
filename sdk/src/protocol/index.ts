/** The wire contract shared by the terminal's fleet agent and the SDK. */
export * from './version.js';
export * from './ids.js';
export * from './limits.js';
export * from './codes.js';
export * from './topics.js';
export * from './alerts.js';
export * from './schemas.js';
export * from './events.js';
export * from './commands.js';
export * from './codec.js';
export * from './issues.js';
export * from './canonical.js';
export * from './signature.js';
export * from './pass-token.js';
export * from './plates.js';
export * from './stranger-template.js';
