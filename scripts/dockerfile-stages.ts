// The Dockerfile read as data (with dockerfile-ast, the parser of the Docker language server): its
// stages, and what the final stage gives a container at run time. scripts/container-smoke.ts runs
// the service with exactly these settings, and test/deploy/dockerfile.test.ts checks them, so
// neither can drift from the file that builds the image.
import { readFileSync } from "node:fs";
import { type Copy, DockerfileParser, type Env, type From, type Instruction, type JSONInstruction } from "dockerfile-ast";

export interface Stage {
  /** `AS <name>`, or undefined for an unnamed stage. */
  readonly name: string | undefined;
  readonly image: string;
  /** RUN commands, continuation lines joined. */
  readonly runs: readonly string[];
  /** The stages (or images) that COPY --from names. */
  readonly copiesFrom: readonly string[];
}

export interface ImageRuntime {
  readonly workdir: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly env: Readonly<Record<string, string>>;
  readonly exposedPorts: readonly number[];
  readonly volumes: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck: { readonly command: readonly string[]; readonly options: Readonly<Record<string, string>> };
}

export interface DockerfileModel {
  readonly stages: readonly Stage[];
  readonly runtime: ImageRuntime;
}

export const DOCKERFILE = new URL("../Dockerfile", import.meta.url);

export function readDockerfile(text = readFileSync(DOCKERFILE, "utf8")): DockerfileModel {
  const instructions = DockerfileParser.parse(text).getInstructions();
  const stages: { from: From; body: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === "FROM") stages.push({ from: instruction as From, body: [] });
    else stages.at(-1)?.body.push(instruction);
  }
  const final = stages.at(-1);
  if (!final) throw new Error("Dockerfile: no FROM");
  return {
    stages: stages.map(({ from, body }) => ({
      name: from.getBuildStage() ?? undefined,
      image: from.getImage() ?? "",
      runs: body.filter((i) => i.getKeyword() === "RUN").map((i) => (i.getArgumentsContent() ?? "").replace(/\s+/g, " ")),
      copiesFrom: body.flatMap((i) => (i.getKeyword() === "COPY" ? [(i as Copy).getFromFlag()?.getValue() ?? ""] : [])).filter(Boolean),
    })),
    runtime: runtimeOf(final.body),
  };
}

function runtimeOf(body: readonly Instruction[]): ImageRuntime {
  const all = (keyword: string) => body.filter((i) => i.getKeyword() === keyword);
  const last = (keyword: string) => {
    const found = all(keyword).at(-1);
    if (!found) throw new Error(`Dockerfile: the final stage has no ${keyword}`);
    return found;
  };
  const words = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
  const json = (instruction: Instruction) => (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());

  const [uid, gid] = (words(last("USER"))[0] ?? "").split(":").map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error("Dockerfile: USER must be a numeric uid:gid");

  const healthcheck = last("HEALTHCHECK") as Instruction & { getFlags(): { getName(): string; getValue(): string | null }[] };
  const command = (healthcheck.getArgumentsContent() ?? "").replace(/^CMD\s+/, "");
  return {
    workdir: words(last("WORKDIR"))[0] ?? "/",
    user: { uid: uid as number, gid: gid as number },
    env: Object.fromEntries(all("ENV").flatMap((i) => (i as Env).getProperties().map((p) => [p.getName(), p.getUnescapedValue() ?? ""]))),
    exposedPorts: all("EXPOSE")
      .flatMap(words)
      .map((port) => Number.parseInt(port, 10)),
    volumes: all("VOLUME").flatMap(json),
    entrypoint: json(last("ENTRYPOINT")),
    cmd: json(last("CMD")),
    healthcheck: {
      command: JSON.parse(command) as string[],
      options: Object.fromEntries(healthcheck.getFlags().map((f) => [f.getName(), f.getValue() ?? ""])),
    },
  };
}
