export { Ssd1306Display, i2cBusOpener, initSequence, type Ssd1306Options, type I2cBus, type I2cOpener } from './ssd1306.js';
export { Framebuffer, drawText, hasGlyph, CHAR_WIDTH, CHAR_HEIGHT } from './framebuffer.js';
export { layoutState, wrap, type LayoutResult } from './layout.js';
