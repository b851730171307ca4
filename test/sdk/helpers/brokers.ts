// The throw-away brokers live with the benches that also start them (tools/bench/brokers.ts).
export * from '../../../tools/bench/brokers.js';
