import { type IngressMapping } from './schema';

/**
 * The limits of Adobe's integration for custom entities (its "best practices and limitations" page; docs/ingress.md
 * "Links between custom resources" says which are Campaign's own and why this product keeps them).
 */
export const CUSTOM_ENTITY_LIMITS = {
  /** Links followed from a record: table1 → table2 → table3 is 2. */
  linkDepth: 2,
  linkedColumnsPerResource: 5,
  customMappings: 20,
  /** Mapped columns of one mapping, key included. */
  columnsPerMapping: 50,
} as const;

export interface LinkProblem {
  path: string;
  message: string;
}

/** The mappings a mapping links to (its declared `link`s, each once, in field order). */
export function linkParents(mapping: Pick<IngressMapping, 'fields'>): string[] {
  return [...new Set(mapping.fields.flatMap((field) => (field.link === undefined ? [] : [field.link])))];
}

/**
 * The links between mappings and the documented limits, checked on the configuration alone: each `link` names
 * another mapping, links form no cycle and are at most {@link CUSTOM_ENTITY_LIMITS.linkDepth} deep, a mapping has at
 * most 5 linked columns and 50 columns, and at most 20 mappings write custom resources.
 */
export function checkLinks(mappings: readonly IngressMapping[]): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const byName = new Map(mappings.map((mapping, index) => [mapping.name, { mapping, index }]));
  mappings.forEach((mapping, index) => {
    const at = `ingress[${index}]`;
    mapping.fields.forEach((field, fieldIndex) => {
      if (field.link === undefined) return;
      const path = `${at}.fields[${fieldIndex}].link`;
      if (field.link === mapping.name) problems.push({ path, message: 'a mapping cannot link to itself' });
      else if (!byName.has(field.link)) problems.push({ path, message: `no ingress mapping is named ${field.link}` });
    });
    const linked = mapping.fields.filter((field) => field.link !== undefined).length;
    if (linked > CUSTOM_ENTITY_LIMITS.linkedColumnsPerResource) {
      problems.push({
        path: `${at}.fields`,
        message: `has ${linked} linked columns; at most ${CUSTOM_ENTITY_LIMITS.linkedColumnsPerResource} per custom resource`,
      });
    }
    const columns = mapping.fields.length + 1;
    if (columns > CUSTOM_ENTITY_LIMITS.columnsPerMapping) {
      problems.push({
        path: `${at}.fields`,
        message: `maps ${columns} columns (the key included); at most ${CUSTOM_ENTITY_LIMITS.columnsPerMapping} per mapping`,
      });
    }
  });
  const custom = mappings.map((mapping, index) => ({ mapping, index })).filter((m) => m.mapping.to !== 'profile');
  const over = custom[CUSTOM_ENTITY_LIMITS.customMappings];
  if (over) {
    problems.push({
      path: `ingress[${over.index}]`,
      message: `is mapping ${CUSTOM_ENTITY_LIMITS.customMappings + 1} to a custom resource; at most ${CUSTOM_ENTITY_LIMITS.customMappings} custom mappings`,
    });
  }
  mappings.forEach((mapping, index) => {
    const chain = longestChain(mapping.name, byName);
    if (chain.cycle) {
      problems.push({ path: `ingress[${index}]`, message: `its links form a cycle: ${chain.names.join(' → ')}` });
    } else if (chain.names.length - 1 > CUSTOM_ENTITY_LIMITS.linkDepth) {
      problems.push({
        path: `ingress[${index}]`,
        message: `its links are ${chain.names.length - 1} deep (${chain.names.join(' → ')}); at most ${CUSTOM_ENTITY_LIMITS.linkDepth} (table1 → table2 → table3)`,
      });
    }
  });
  return problems;
}

/** The longest chain of links from a mapping (itself first), or the first cycle met on the way. */
function longestChain(
  start: string,
  byName: ReadonlyMap<string, { mapping: IngressMapping }>
): { names: string[]; cycle: boolean } {
  const walk = (name: string, path: string[]): { names: string[]; cycle: boolean } => {
    if (path.includes(name)) return { names: [...path, name], cycle: true };
    const mapping = byName.get(name)?.mapping;
    let best = { names: [...path, name], cycle: false };
    for (const parent of mapping ? linkParents(mapping) : []) {
      // Unknown names and self-links are reported where they are written.
      if (!byName.has(parent) || parent === name) continue;
      const chain = walk(parent, [...path, name]);
      if (chain.cycle) return chain;
      if (chain.names.length > best.names.length) best = chain;
    }
    return best;
  };
  return walk(start, []);
}
