import { ApplicationFailure } from '@temporalio/common';
import { CONFIG_ERROR } from '../../sync/failure-types';

/** `optouts_<UTC yyyyMMddHHmmss>_<sequence>.csv[.gz]` (docs/campaign-files.md); other names are not complete files. */
export const OPT_OUT_FILE_NAME = /^optouts_\d{14}_\d+\.csv(\.gz)?$/;

/** Refuses anything but an opt-out file name (a path from a workflow input must not reach outside the folder). */
export function checkFileName(file: string): void {
  if (!OPT_OUT_FILE_NAME.test(file)) {
    throw ApplicationFailure.nonRetryable(
      `${JSON.stringify(file)} is not an opt-out file name (optouts_<yyyyMMddHHmmss>_<sequence>.csv[.gz])`,
      CONFIG_ERROR
    );
  }
}
