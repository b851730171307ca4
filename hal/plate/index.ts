export { PlatePushError, PLATE_PUSH_STATUS, type PlatePushErrorCode } from './errors.js';
export { parseIsapiPush, isapiAnprXml, type IsapiAnprSample } from './isapi.js';
export { parseJsonPush, JsonPlatePushSchema, type JsonPlatePush } from './json-push.js';
export { PushPlateReader, DEFAULT_PLATE_PUSH_MAX_BYTES, PLATE_SECRET_HEADER, type PlatePushCamera, type PlatePushFormat, type PushPlateReaderOptions, type ServeHttp, type HttpEndpoint, type HttpHandler } from './push-reader.js';
export type { PushedPlate, PushOutcome } from './pushed.js';
