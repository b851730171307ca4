// The seeded embedding generators live with the bench that measures with them.
export * from '../../../../tools/bench/embeddings.js';
