import { ApplicationFailure } from '@temporalio/common';
import { type Config } from '../../config/schema';
import {
  campaignApiField,
  campaignTimestampField,
  type CampaignOptOutAttribute,
  type OptOutMode,
} from '../../sync/optout';
import { CONFIG_ERROR } from '../../sync/failure-types';

/** The D365 table opt-outs live on, and its entity set (fixed by Dataverse for `contact`). */
export const CONTACT_TABLE = 'contact';
export const CONTACTS_SET = 'contacts';
export const CONTACT_ID = 'contactid';
export const MODIFIED_ON = 'modifiedon';

/** One configured pair with the names each API uses. */
export interface OptOutPair {
  attribute: CampaignOptOutAttribute;
  /** Campaign REST field, e.g. `blackListEmail`. */
  apiField: string;
  /** Campaign REST field of its last change, e.g. `blackListEmailLastModified`. */
  timestampField: string;
  /** D365 contact column, e.g. `donotemail`. */
  column: string;
}

export interface OptOutSettings {
  mode: OptOutMode;
  pairs: OptOutPair[];
  /** Folder of the opt-out files, relative to `campaign.sftp.root`. */
  sourceFolder: string;
  reportsFolder: string;
}

/** The opt-out settings; a non-retryable {@link CONFIG_ERROR} failure when the configuration has none. */
export function optOutSettings(config: Config): OptOutSettings {
  const optOut = config.optOut;
  if (!optOut) {
    throw ApplicationFailure.nonRetryable(
      'the configuration has no optOut block; add optOut.mode and optOut.pairs to run the opt-out flow',
      CONFIG_ERROR
    );
  }
  return {
    mode: optOut.mode,
    pairs: optOut.pairs.map((pair) => ({
      attribute: pair.campaign,
      apiField: campaignApiField(pair.campaign),
      timestampField: campaignTimestampField(pair.campaign),
      column: pair.dynamics,
    })),
    sourceFolder: optOut.sourceFolder.replace(/\/+$/, ''),
    reportsFolder: config.reports.folder,
  };
}
