import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { IConfigMap, IContainer, ISecret, IService } from "kubernetes-models/v1";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { IJob } from "kubernetes-models/batch/v1";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import { readDockerfile } from "../../scripts/dockerfile-stages.js";
import { issueApiKey } from "../../src/domain/auth/api-key-secret.js";
import { type Manifest, schemaErrors, typeErrors } from "./kubernetes-schema.js";
import { checkServiceEnv } from "./service-env.js";
import { REPO, yamlDocuments } from "./yaml-files.js";

const DIR = "deploy/kubernetes/";
const KUSTOMIZATION = "kustomization.yaml";
/** Not applied with the others: example values only, and a Job created once per release. */
const APPLIED_SEPARATELY = ["secret.example.yaml", "migrate-job.yaml"];

const manifests: Manifest[] = readdirSync(new URL(DIR, REPO))
  .filter((file) => file.endsWith(".yaml") && file !== KUSTOMIZATION)
  .sort()
  .flatMap((file) => yamlDocuments(DIR + file).map((body, index) => ({ file, index, body: body as Manifest["body"] })));

function one<T>(kind: string): T {
  const found = manifests.filter((m) => m.body.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return (found[0] as Manifest).body as T;
}
const all = <T>(kind: string) => manifests.filter((m) => m.body.kind === kind).map((m) => m.body as T);

const deployment = one<IDeployment>("Deployment");
const job = one<IJob>("Job");
const service = one<IService>("Service");
const config = one<IConfigMap>("ConfigMap");
const secret = one<ISecret>("Secret");
const podSpec = deployment.spec?.template.spec;
const container = podSpec?.containers[0] as IContainer;
const jobContainer = job.spec?.template.spec?.containers[0] as IContainer;
const podLabels = deployment.spec?.template.metadata?.labels ?? {};
const { runtime } = readDockerfile();

/** What each pod's environment holds: the ConfigMap, the Secret (placeholders as given), the container's own env. */
function podEnv(secretValues: Record<string, string>, of: IContainer = container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of of.envFrom ?? []) {
    if (source.configMapRef) {
      assert.equal(source.configMapRef.name, config.metadata?.name);
      Object.assign(env, config.data);
    }
    if (source.secretRef) {
      assert.equal(source.secretRef.name, secret.metadata?.name);
      Object.assign(env, secretValues);
    }
  }
  for (const variable of of.env ?? []) env[variable.name] = variable.value ?? "";
  return env;
}
/** The example Secret with real-looking values where it has placeholders. */
const filledSecret = {
  ...secret.stringData,
  SVAULT_KEK: randomBytes(32).toString("base64"),
  SVAULT_BOOTSTRAP_API_KEY: issueApiKey().key,
};
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("Kubernetes manifests (deploy/kubernetes)", () => {
  it("are valid against the Kubernetes 1.30 schemas", async () => {
    assert.ok(manifests.length >= 9, `${manifests.length} documents`);
    assert.deepEqual(await schemaErrors(manifests), []);
  });

  it("have no field their kind does not define (strict, as kubectl's field validation)", () => {
    assert.deepEqual(typeErrors(manifests), []);
  });

  it("would fail those checks on a misspelt field, a wrong type or a missing required field", async () => {
    const original = manifests.find((m) => m.body.kind === "Deployment") as Manifest;
    const broken = structuredClone(original);
    const spec = (broken.body as unknown as IDeployment).spec as NonNullable<IDeployment["spec"]>;
    const probe = spec.template.spec?.containers[0]?.readinessProbe as Record<string, unknown>;
    probe.httpGett = probe.httpGet;
    delete probe.httpGet;
    assert.match(typeErrors([broken]).join("\n"), /'"httpGett"' does not exist in type 'IProbe'/);

    const wrongType = structuredClone(original);
    (wrongType.body as unknown as { spec: { revisionHistoryLimit: string } }).spec.revisionHistoryLimit = "5";
    assert.match((await schemaErrors([wrongType])).join("\n"), /revisionHistoryLimit must be integer/);

    const unnamed = structuredClone(original);
    delete (unnamed.body as unknown as { spec: { template: { spec: { containers: { name?: string }[] } } } }).spec.template.spec
      .containers[0]?.name;
    assert.match((await schemaErrors([unnamed])).join("\n"), /containers\/0 must have required property name/);
  });

  it("are all in the kustomization, but the example Secret and the per-release migration Job", () => {
    const [kustomization] = yamlDocuments(DIR + KUSTOMIZATION) as { resources: string[] }[];
    const files = [...new Set(manifests.map((m) => m.file))];
    assert.deepEqual([...(kustomization?.resources ?? [])].sort(), files.filter((f) => !APPLIED_SEPARATELY.includes(f)).sort());
  });

  it("give the pods an environment that passes the service's configuration check, with no variable it does not read", () => {
    const check = checkServiceEnv(podEnv(filledSecret));
    assert.deepEqual(check.problems, []);
    assert.deepEqual(check.unread, []);
    assert.ok(config.data?.PUBLIC_URL?.startsWith("https://"), "issuers and __Host- cookies need an https PUBLIC_URL");
    assert.deepEqual(checkServiceEnv(podEnv(filledSecret, jobContainer)).problems, [], "the migration Job's environment");
  });

  it("stop the service with its placeholders named when the example Secret is applied unchanged", () => {
    const problems = checkServiceEnv(podEnv(secret.stringData ?? {})).problems.join("\n");
    assert.match(problems, /SVAULT_KEK must be 32 random bytes/);
    assert.match(problems, /SVAULT_BOOTSTRAP_API_KEY must be a key/);
  });

  it("run the pods as the image's non-root user, on a read-only root file system, with the image's ports", () => {
    for (const [what, pod, c] of [
      ["Deployment", podSpec, container],
      ["Job", job.spec?.template.spec, jobContainer],
    ] as const) {
      assert.equal(pod?.securityContext?.runAsNonRoot, true, what);
      assert.equal(pod?.securityContext?.runAsUser, runtime.user.uid, `${what}: the Dockerfile's USER`);
      assert.equal(pod?.securityContext?.runAsGroup, runtime.user.gid, what);
      assert.equal(pod?.automountServiceAccountToken, false, what);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, what);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, what);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], what);
      assert.ok(c.resources?.requests?.memory && c.resources.limits?.memory, `${what}: memory request and limit`);
    }
    assert.deepEqual(
      container.ports?.filter((p) => p.name !== "metrics").map((p) => p.containerPort),
      runtime.exposedPorts,
      "the Dockerfile's EXPOSE",
    );
    const metricsPort = container.ports?.find((p) => p.name === "metrics")?.containerPort;
    assert.equal(String(metricsPort), config.data?.METRICS_PORT, "METRICS_PORT is the container's metrics port");
    assert.equal(deployment.spec?.template.metadata?.annotations?.["prometheus.io/port"], String(metricsPort));
    assert.equal(container.resources?.requests?.cpu !== undefined, true, "the HPA scales on the CPU request");
  });

  it("point the probes, Service, Ingresses, PodDisruptionBudget and autoscaler at the Deployment's pods and ports", () => {
    const portNames = new Set(container.ports?.map((p) => p.name));
    assert.ok(matches(deployment.spec?.selector.matchLabels, podLabels), "the Deployment's selector");
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      assert.ok(typeof port === "string" && portNames.has(port), `probe port ${port}`);
    }
    assert.equal(container.readinessProbe?.httpGet?.path, "/health/ready");
    assert.equal(container.livenessProbe?.httpGet?.path, "/health/live");

    assert.ok(matches(service.spec?.selector, podLabels), "the Service selects the pods");
    assert.ok(!matches(service.spec?.selector, job.spec?.template.metadata?.labels ?? {}), "…and not the migration Job's");
    for (const port of service.spec?.ports ?? []) assert.ok(portNames.has(String(port.targetPort)), `Service port ${port.name}`);
    assert.ok(!service.spec?.ports?.some((port) => port.targetPort === "metrics"), "the Service does not expose /metrics");
    const grpcPort = service.spec?.ports?.find((p) => p.targetPort === "grpc");
    assert.equal(grpcPort?.appProtocol, "kubernetes.io/h2c", "gRPC is plain-text HTTP/2 to the pods");

    const ingresses = all<IIngress>("Ingress");
    assert.deepEqual(ingresses.map((i) => i.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.port?.name).sort(), ["grpc", "http"]);
    for (const ingress of ingresses) {
      assert.ok((ingress.spec?.tls?.length ?? 0) > 0, `${ingress.metadata?.name}: TLS`);
      for (const rule of ingress.spec?.rules ?? []) {
        assert.ok(
          ingress.spec?.tls?.some((t) => t.hosts?.includes(rule.host ?? "")),
          `${rule.host} has a certificate`,
        );
        for (const path of rule.http?.paths ?? []) assert.equal(path.backend.service?.name, service.metadata?.name);
      }
    }
    const grpcIngress = ingresses.find((i) => i.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.port?.name === "grpc");
    assert.equal(grpcIngress?.metadata?.annotations?.["nginx.ingress.kubernetes.io/backend-protocol"], "GRPC");

    const pdb = one<IPodDisruptionBudget>("PodDisruptionBudget");
    assert.ok(matches(pdb.spec?.selector?.matchLabels, podLabels), "the PodDisruptionBudget's selector");
    const hpa = one<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler");
    assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata?.name });
    assert.equal(hpa.spec?.metrics?.[0]?.resource?.name, "cpu");
    assert.equal(deployment.spec?.replicas, undefined, "the autoscaler owns the replica count");
    assert.ok((hpa.spec?.minReplicas ?? 1) >= 2, "two pods at least, so that the PodDisruptionBudget allows a drain");
  });

  it("run the pods with the image's command, only V8's heap limit lowered under the memory limit", () => {
    const heapLimit = /^--max-old-space-size=(\d+)$/;
    const args = container.args ?? [];
    assert.equal(args.length, runtime.cmd.length, "the image's CMD, replaced word for word");
    for (const [index, word] of runtime.cmd.entries()) {
      if (heapLimit.test(word)) continue;
      assert.equal(args[index], word, `the CMD's word ${index}`);
    }
    const podLimitMiB = Number(heapLimit.exec(args.find((word) => heapLimit.test(word)) ?? "")?.[1]);
    const memoryLimit = String(container.resources?.limits?.memory);
    assert.match(memoryLimit, /^\d+Mi$/);
    assert.ok(podLimitMiB > 0 && podLimitMiB <= Number.parseInt(memoryLimit, 10) * 0.75, "at most ¾ of the memory limit");
  });

  it("give a stopping pod time for the preStop pause and the service's own drain", () => {
    const pause = Number(container.lifecycle?.preStop?.exec?.command?.at(-1));
    const drainSeconds = Number(config.data?.SHUTDOWN_GRACE_MS) / 1000;
    assert.ok(pause > 0 && drainSeconds > 0);
    assert.ok((podSpec?.terminationGracePeriodSeconds ?? 30) > pause + drainSeconds);
  });

  it("run the migration Job with the pods' image and the service's migration entry point, under tini", () => {
    assert.equal(jobContainer.image, container.image);
    assert.equal(jobContainer.command, undefined, "`command` would replace the image's ENTRYPOINT (tini)");
    const [node, entry] = jobContainer.args ?? [];
    assert.equal(node, "node");
    const source = entry?.replace(/\.js$/, ".ts") ?? "";
    assert.ok(existsSync(new URL(source, REPO)), `${source} exists`);
    const scripts = (JSON.parse(readFileSync(new URL("package.json", REPO), "utf8")) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.migrate, `node --import tsx ${source}`, "the Job runs what `npm run migrate` runs");
    assert.equal(job.spec?.template.spec?.restartPolicy, "Never");
    assert.equal((job.metadata as { generateName?: string }).generateName, "svault-migrate-");
  });

  it("keep the database connections of the largest scale-out under Postgres' default max_connections", () => {
    const perPod = Number(config.data?.DATABASE_POOL_MAX) + Number(config.data?.DATABASE_PIPELINES);
    const maxReplicas = one<IHorizontalPodAutoscaler>("HorizontalPodAutoscaler").spec?.maxReplicas ?? 0;
    // 100 by default, 3 of them reserved for superusers; the migration Job opens its pool beside the pods.
    assert.ok(maxReplicas * perPod + Number(config.data?.DATABASE_POOL_MAX) <= 97, `${maxReplicas} × ${perPod}`);
  });
});
