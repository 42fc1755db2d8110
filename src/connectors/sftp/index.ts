export { SftpClient } from './client';
export { SftpError, type SftpErrorKind } from './errors';
export { fingerprintOfPublicKeyLine, sha256Fingerprint } from './host-key';
export { PARTIAL_SUFFIX } from './remote-path';
export type {
  ListOptions,
  MoveOptions,
  RemoteEntry,
  SftpClientOptions,
  SftpCredentials,
  SftpHostKeyPins,
  SftpKeyCredentials,
  SftpPasswordCredentials,
  UploadOptions,
  UploadResult,
} from './options';
