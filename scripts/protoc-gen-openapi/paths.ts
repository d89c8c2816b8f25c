// google.api.http path templates → OpenAPI paths. `{widget.id}` stays as it is: the parameter is
// named by its field path. A variable with its own segments (`{name=shelves/*}`) becomes
// `{name}`, and its segments are kept to describe the parameter, since an OpenAPI path parameter
// cannot say that it spans several segments.
const VARIABLE = /\{([^}=]+)(?:=([^}]*))?\}/g;

export interface OpenApiPath {
  readonly path: string;
  /** By field path, the segments of the variables that have their own. */
  readonly segmentPatterns: ReadonlyMap<string, string>;
}

/** Expects a template compilePathTemplate has accepted. */
export function openApiPath(template: string): OpenApiPath {
  const segmentPatterns = new Map<string, string>();
  const path = template.replace(VARIABLE, (_match, fieldPath: string, segments: string | undefined) => {
    if (segments !== undefined && segments !== "*") segmentPatterns.set(fieldPath, segments);
    return `{${fieldPath}}`;
  });
  return { path, segmentPatterns };
}
