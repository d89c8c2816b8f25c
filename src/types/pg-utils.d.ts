// node-pg's value mapping (how Client.query turns a parameter into what the wire carries), used by
// persistence/pipelined-connection.ts so that its parameters are sent exactly as node-pg's are.
declare module "pg/lib/utils.js" {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
