/**
 * The shape every locale's catalogue must have: the English catalogue's keys, nested the same way, with a
 * string for a string, a list for a list and a function of the same parameters for a function. A locale
 * file declares its catalogue `satisfies Catalogue`, so a missing or an extra key fails the type check
 * (and with it `npm run typecheck` and `npm test`).
 */
export type Shape<T> = T extends string
  ? string
  : T extends readonly string[]
    ? readonly string[]
    : T extends (...args: infer A) => infer R
      ? (...args: A) => R
      : { readonly [K in keyof T]: Shape<T[K]> };
