// Fastify's schema compilers — ajv with its formats for validation, fast-json-stringify for
// serialization, ≈ 1.3 MiB of the resident memory — are loaded when Fastify starts, but used only
// for a route that declares a schema, and svault's routes declare none (requests are checked on the
// RPC spine: validation/field-rules.ts). Given here, they load on first use instead, from Fastify's
// own dependencies. The one difference Fastify makes for compilers given as options: it no longer
// lower-cases the keys of a route's `headers` schema itself (write them in lower case).
import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";

type Compilers = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
type ValidatorFactory = NonNullable<Compilers["buildValidator"]>;
type SerializerFactory = NonNullable<Compilers["buildSerializer"]>;

/** Resolves as Fastify does: its compilers are its dependencies, not ours. */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve("fastify"));

let validator: ValidatorFactory | undefined;
let serializer: SerializerFactory | undefined;

export const schemaCompilersOnDemand: Compilers = {
  buildValidator: (...args) => {
    validator ??= (fastifyRequire("@fastify/ajv-compiler") as () => ValidatorFactory)();
    return validator(...args);
  },
  buildSerializer: (...args) => {
    serializer ??= (fastifyRequire("@fastify/fast-json-stringify-compiler") as () => SerializerFactory)();
    return serializer(...args);
  },
};
