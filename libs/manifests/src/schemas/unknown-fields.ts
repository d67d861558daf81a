// Only the generated models (field lists), not the API client: a fraction of the size in a bundle.
import * as clientModels from '@kubernetes/client-node/dist/gen/models/all.js';

type AttributeList = readonly { readonly baseName: string; readonly type: string }[];

function attributesOf(typeName: string): AttributeList | undefined {
  const model = (clientModels as unknown as Record<string, { getAttributeTypeMap?: () => AttributeList }>)[
    typeName
  ];
  return model?.getAttributeTypeMap?.();
}

/** Paths of fields not declared by the client model `typeName` (recursively), as `path: unknown field`. */
export function unknownFields(value: unknown, typeName: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) {
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, array[1], `${path}/${i}`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) {
    if (typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, item]) => unknownFields(item, map[1], `${path}/${key}`));
  }
  const attributes = attributesOf(typeName);
  if (!attributes || typeof value !== 'object' || Array.isArray(value)) return [];
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.find((candidate) => candidate.baseName === key);
    if (!attribute) problems.push(`${path}/${key}: unknown field`);
    else problems.push(...unknownFields(item, attribute.type, `${path}/${key}`));
  }
  return problems;
}
