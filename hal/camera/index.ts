export {
  ProcessCamera,
  type ProcessCameraOptions,
  type ProcessCameraStatus,
  type ProcessSource,
  type RestartPolicy,
  type CameraLogger,
} from './process-camera.js';
export {
  processSource,
  rpicamSource,
  jetsonArgusSource,
  v4l2GstSource,
  v4l2FfmpegSource,
  gstTestSource,
  ffmpegTestSource,
  imageSource,
  imageFolderSource,
  videoSource,
  CAMERA_SOURCE_KINDS,
  IMAGE_EXTENSIONS,
  type CameraSourceConfig,
  type CameraSourceKind,
} from './sources.js';
export { frameByteLength, isYuv420, PIXEL_FORMATS, rgbToGray, rgbToI420, toLuma, toRgb, type GrayImage, type PixelFormat, type RgbImage } from './formats.js';
export { FrameSlicer } from './frame-slicer.js';
export { FrameDispatcher } from './frame-dispatcher.js';
export { FpsMeter } from './fps-meter.js';
