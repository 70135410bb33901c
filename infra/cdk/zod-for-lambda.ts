/**
 * What `zod` resolves to inside Lambda bundles (SETTLEMENT_BUNDLING aliases it here).
 *
 * The code writes `import { z } from 'zod'`; that `z` is zod's whole namespace, which esbuild
 * cannot tree-shake, so every bundle carried all of zod's ~40 locales and its JSON-schema tools
 * (≈ 400 KB minified) to parse a few schemas. Here `z` is a plain object of the members the code
 * uses, imported by name, so a bundle holds only those (and the English messages). Types still
 * come from the real package. test/infra/cdk/zod-for-lambda.test.ts checks that every `z.` member
 * used in shared/ and functions/ is here and is zod's own.
 */
import {
  array,
  boolean,
  discriminatedUnion,
  email,
  enum as enumOf,
  iso,
  literal,
  looseObject,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  url,
  ZodType,
} from '../../node_modules/zod/index.js'; // by path: the alias maps every 'zod…' import here

export const z = {
  array,
  boolean,
  discriminatedUnion,
  email,
  enum: enumOf,
  iso,
  literal,
  looseObject,
  number,
  object,
  record,
  strictObject,
  string,
  union,
  unknown,
  url,
  ZodType,
};
export default z;
