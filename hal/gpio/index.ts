export { GpioOutput, type GpioOutputOptions } from './output.js';
export { GpioInput, type GpioInputOptions } from './input.js';
export {
  onoffNative,
  resolveGpio,
  sysfsGpioChips,
  type GpioChipInfo,
  type GpioDirection,
  type GpioEdge,
  type GpioLine,
  type GpioNative,
  type GpioPinRef,
  type PinValue,
} from './native.js';
