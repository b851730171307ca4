export { FakeClock } from './fake-clock.js';
export { SimOutput, type SimOutputOptions, type OutputChange } from './output.js';
export { SimInput, type SimInputOptions } from './input.js';
export { SimCardReader, type SimCardReaderOptions, type PresentResult } from './card-reader.js';
export { SimDisplay, checkDisplayState, type SimDisplayOptions, type RenderedState } from './display.js';
export { frameByteLength } from '../camera/formats.js';
export { SimCamera, type FrameInput, type FrameSource, type SimCameraOptions } from './camera.js';
export { SimPlateReader, type SimPlateReaderOptions, type SimPlate } from './plate-reader.js';
