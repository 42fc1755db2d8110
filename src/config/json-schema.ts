import { z } from 'zod';
import { configSchema } from './schema';

/** JSON Schema (draft 2020-12) of what a configuration file may contain, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'acs-d365-sync configuration',
    description:
      'Configuration of acs-d365-sync. Secrets are named by environment variable (…Env keys), never written here.',
  };
}
