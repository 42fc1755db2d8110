export * from './contracts';
export { fileTrouble, listExportFiles, PROCESSED_FOLDER, REJECTED_FOLDER, settleExportFile } from './folder';
export { exportFileText, headerFields, INCOMPLETE_GRACE_MS, readFailure } from './read';
