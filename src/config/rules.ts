import { checkLinks } from './link-rules';
import { checkIngressOptOutFields, checkOptOutPairs } from './optout-rules';
import { type Config } from './schema';

/** One problem in a configuration file: where it is (`ingress[0].fields[2].to`) and what is wrong. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Rules that span several fields, checked after the shape is valid. Returns every problem found, in file order.
 */
export function checkConfigRules(config: Config): ConfigProblem[] {
  return [
    ...checkSftpAuth(config),
    ...config.ingress.flatMap(checkMapping),
    ...checkMappingNames(config),
    ...checkLinks(config.ingress),
    ...checkOptOut(config),
    ...checkFlowsPresent(config),
    ...checkEncryptionKeys(config),
    ...checkTemporalTls(config),
  ];
}

function checkTemporalTls(config: Config): ConfigProblem[] {
  const tls = config.temporal.tls;
  if (!tls || (tls.certFile === undefined) === (tls.keyFile === undefined)) return [];
  return [{ path: 'temporal.tls', message: 'set certFile and keyFile together (a client certificate and its key)' }];
}

function checkSftpAuth(config: Config): ConfigProblem[] {
  const { privateKeyEnv, passwordEnv } = config.campaign.sftp;
  if (privateKeyEnv === undefined && passwordEnv === undefined) {
    return [
      { path: 'campaign.sftp', message: 'needs privateKeyEnv or passwordEnv (how the worker logs in to the SFTP)' },
    ];
  }
  if (privateKeyEnv !== undefined && passwordEnv !== undefined) {
    return [{ path: 'campaign.sftp', message: 'set privateKeyEnv or passwordEnv, not both' }];
  }
  return [];
}

function checkMapping(mapping: Config['ingress'][number], index: number): ConfigProblem[] {
  const at = `ingress[${index}]`;
  const problems: ConfigProblem[] = [];
  if (mapping.to === 'profile' && mapping.key.to !== 'externalId') {
    problems.push({
      path: `${at}.key.to`,
      message: 'must be externalId when writing to profile (the D365 id is kept there)',
    });
  }
  const seenTargets = new Map<string, number>();
  mapping.fields.forEach((field, fieldIndex) => {
    const first = seenTargets.get(field.to);
    if (first !== undefined) {
      problems.push({
        path: `${at}.fields[${fieldIndex}].to`,
        message: `"${field.to}" is already written by fields[${first}]`,
      });
    } else {
      seenTargets.set(field.to, fieldIndex);
    }
    if (field.to === mapping.key.to) {
      problems.push({
        path: `${at}.fields[${fieldIndex}].to`,
        message: `"${field.to}" is the key; it is written from key.from`,
      });
    }
  });
  mapping.filter?.rules.forEach((rule, ruleIndex) => {
    const needsValue = rule.op !== 'null' && rule.op !== 'notnull';
    if (needsValue && rule.value === undefined) {
      problems.push({ path: `${at}.filter.rules[${ruleIndex}].value`, message: `required for op ${rule.op}` });
    }
    if (!needsValue && rule.value !== undefined) {
      problems.push({ path: `${at}.filter.rules[${ruleIndex}].value`, message: `must be absent for op ${rule.op}` });
    }
    if (
      ['contains', 'startswith', 'endswith'].includes(rule.op) &&
      rule.value !== undefined &&
      typeof rule.value !== 'string'
    ) {
      problems.push({ path: `${at}.filter.rules[${ruleIndex}].value`, message: `must be text for op ${rule.op}` });
    }
  });
  const { fileThreshold, chunkRows } = mapping.initialTransfer;
  if (chunkRows > fileThreshold) {
    problems.push({
      path: `${at}.initialTransfer.chunkRows`,
      message: `must not exceed fileThreshold (${fileThreshold})`,
    });
  }
  return problems;
}

function checkMappingNames(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  config.ingress.forEach((mapping, index) => {
    const first = seen.get(mapping.name);
    if (first !== undefined) {
      problems.push({
        path: `ingress[${index}].name`,
        message: `"${mapping.name}" is already used by ingress[${first}]`,
      });
    } else {
      seen.set(mapping.name, index);
    }
  });
  return problems;
}

function checkOptOut(config: Config): ConfigProblem[] {
  return config.optOut ? [...checkOptOutPairs(config.optOut), ...checkIngressOptOutFields(config)] : [];
}

function checkFlowsPresent(config: Config): ConfigProblem[] {
  const anyFlow =
    config.ingress.length > 0 ||
    config.egress !== undefined ||
    (config.optOut !== undefined && config.optOut.mode !== 'disabled');
  return anyFlow ? [] : [{ path: '(root)', message: 'configures no flow: add ingress, egress or optOut' }];
}

/** The current key must be listed, and an id names one key only (payloads find their key by id). */
function checkEncryptionKeys(config: Config): ConfigProblem[] {
  const encryption = config.temporal.encryption;
  if (!encryption) return [];
  const problems: ConfigProblem[] = [];
  const ids = encryption.keys.map((key) => key.id);
  ids.forEach((id, index) => {
    if (ids.indexOf(id) !== index) {
      problems.push({
        path: `temporal.encryption.keys[${index}].id`,
        message: `"${id}" is already used by keys[${ids.indexOf(id)}]`,
      });
    }
  });
  if (!ids.includes(encryption.currentKeyId)) {
    problems.push({
      path: 'temporal.encryption.currentKeyId',
      message: `"${encryption.currentKeyId}" is not the id of any of temporal.encryption.keys (${ids.join(', ')})`,
    });
  }
  return problems;
}
