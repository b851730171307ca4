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
export { FrameSlicer } from './frame-slicer.js';
export { FrameDispatcher } from './frame-dispatcher.js';
export { FpsMeter } from './fps-meter.js';
