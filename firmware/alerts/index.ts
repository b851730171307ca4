export { TailgatingDetector, type TailgatingOptions } from './tailgating.js';
export { attachTailgating } from './attach.js';
