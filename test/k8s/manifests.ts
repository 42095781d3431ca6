/**
 * Rendering and checking the Kubernetes manifests of deploy/k8s without a cluster: `kubectl
 * kustomize` renders a kustomization, every document is validated against the Kubernetes API
 * schemas of the `kubernetes-models` package, and the environment of the Nightshift containers
 * is compared with the variables the README documents.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';

export type K8sDoc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

type Validatable = { validate(): void };
/** The kinds the manifests may use, each with its schema. A new kind must be added here. */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

/** Whether `kubectl` (which carries kustomize) is on this machine. */
export function kubectlAvailable(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

/** YAML documents → objects; a YAML syntax error throws naming the source. */
export function parseDocuments(text: string, source: string): K8sDoc[] {
  const out: K8sDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sDoc | null;
    if (value) out.push(value);
  }
  return out;
}

/** `kubectl kustomize DIR`, parsed. Offline: kustomize needs no cluster. */
export function render(dir: string): K8sDoc[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${dir} failed: ${(e.stderr || e.message).trim()}`);
  }
  return parseDocuments(text, `kubectl kustomize ${dir}`);
}

/** Schema problems of every document ("Deployment/nightshift-web: data/spec/replicas must be integer"); empty when all are valid. */
export function validateDocuments(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const id = `${doc?.kind ?? '?'}/${doc?.metadata?.name ?? '?'}`;
    const Model = MODELS[`${doc?.apiVersion}/${doc?.kind}`];
    if (!Model) {
      problems.push(`${id}: no schema for ${doc?.apiVersion} ${doc?.kind} (not a kind these manifests use; add it to MODELS in test/k8s/manifests.ts)`);
      continue;
    }
    try {
      new Model(doc as never).validate();
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * Names the README documents that are not variables of the server processes' environment, so
 * the manifests need not set them.
 */
export const NOT_PROCESS_ENVIRONMENT: Record<string, string> = {
  GITHUB_TOKEN: 'organisation secret (Settings → GitHub)',
  GITHUB_APP_ID: 'organisation secret (Settings → GitHub)',
  GITHUB_APP_PRIVATE_KEY: 'organisation secret (Settings → GitHub)',
  GITHUB_APP_INSTALLATION_ID: 'organisation secret (Settings → GitHub)',
  GITHUB_API_URL: 'organisation setting (Settings → GitHub)',
  GITHUB_HOST: 'organisation setting (Settings → GitHub)',
  NPM_TOKEN: 'example of an organisation secret bound to a registry',
  NEW_PASSWORD: 'placeholder in a command example',
  RUN_ID: 'placeholder in a command example',
  SECRET_NAME: 'placeholder in a settings example',
  SCALE_TASKS: 'a knob of the multi-process test (test/scale), not of the server',
  BENCH_SCALE_TASKS: 'a knob of npm run bench:scale, not of the server',
  BENCH_SCALE_WORKERS: 'a knob of npm run bench:scale, not of the server',
  BENCH_SCALE_SLOTS: 'a knob of npm run bench:scale, not of the server',
  POSTGRES_PASSWORD: 'docker compose variable (the bundled PostgreSQL container), not read by the server; the in-cluster one is set by env.yaml',
};

const HOW_TO_ADD =
  ' — add it to deploy/k8s/base/env.yaml (its value in base/config.yaml, or its key in secret.example.yaml), or, if the server does not read it, to NOT_PROCESS_ENVIRONMENT in test/k8s/manifests.ts';

/** Set on the web Deployment only. */
export const WEB_ONLY = new Set(['NIGHTSHIFT_WORKERS']);

/**
 * The environment variables a README documents: the first column of its tables (`PORT`,
 * `NIGHTSHIFT_WORKERS=0`) and every UPPER_SNAKE name in inline code in its prose, less
 * NOT_PROCESS_ENVIRONMENT. Fenced code blocks (command examples) are left out.
 */
export function readmeEnvironmentVariables(readme: string): string[] {
  const text = readme.replace(/^```[\s\S]*?^```/gm, '');
  const names = new Set<string>();
  for (const span of text.matchAll(/`([^`\n]+)`/g)) {
    for (const n of span[1].matchAll(/(?<![A-Za-z0-9_./-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])/g)) names.add(n[0]);
  }
  for (const line of text.split('\n')) {
    const cell = /^\|\s*([^|]+)\|/.exec(line)?.[1];
    if (cell) for (const n of cell.matchAll(/`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`/g)) names.add(n[1]);
  }
  return [...names].filter((n) => !(n in NOT_PROCESS_ENVIRONMENT)).sort();
}

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string; optional?: boolean }; secretKeyRef?: { name: string; key: string; optional?: boolean } };
};
type Container = { name: string; env?: EnvVar[]; envFrom?: unknown[] };

export function podContainers(doc: K8sDoc): Container[] {
  const spec = (doc as { spec?: { template?: { spec?: { containers?: Container[] } } } }).spec;
  return spec?.template?.spec?.containers ?? [];
}

/**
 * What is wrong with the environment of the Nightshift containers: a documented variable a
 * container does not set; an entry with both a value and a reference; a reference to a ConfigMap
 * that is not rendered, or to a key it lacks without `optional`; a Secret key the example Secret
 * does not list (so operators would not know to create it).
 */
export function environmentProblems(docs: K8sDoc[], documented: string[], exampleSecrets: K8sDoc[]): string[] {
  const problems: string[] = [];
  const configMaps = new Map(docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name, (d as { data?: Record<string, string> }).data ?? {}]));
  const secretKeys = new Map(
    exampleSecrets.filter((d) => d.kind === 'Secret').map((d) => [d.metadata.name, new Set(Object.keys({ ...((d as { data?: object }).data ?? {}), ...((d as { stringData?: object }).stringData ?? {}) }))]),
  );
  const deployments = docs.filter((d) => d.kind === 'Deployment' && d.metadata.labels?.['app.kubernetes.io/name'] === 'nightshift');
  if (deployments.length === 0) problems.push('no Deployment labelled app.kubernetes.io/name=nightshift');
  for (const dep of deployments) {
    const component = dep.metadata.labels?.['app.kubernetes.io/component'];
    const container = podContainers(dep).find((c) => c.name === 'nightshift');
    if (!container) {
      problems.push(`Deployment/${dep.metadata.name}: no container named nightshift`);
      continue;
    }
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    for (const name of documented) {
      if (WEB_ONLY.has(name) && component !== 'web') continue;
      if (!env.has(name)) problems.push(`Deployment/${dep.metadata.name}: ${name} (documented in the README) is not in the environment${HOW_TO_ADD}`);
    }
    for (const e of container.env ?? []) {
      const where = `Deployment/${dep.metadata.name} env ${e.name}`;
      if (e.value !== undefined && e.valueFrom) problems.push(`${where}: has both value and valueFrom`);
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm) {
        const data = configMaps.get(cm.name);
        if (!data) problems.push(`${where}: ConfigMap ${cm.name} is not part of the manifests`);
        else if (!(cm.key in data) && !cm.optional) problems.push(`${where}: ConfigMap ${cm.name} has no key ${cm.key} and the reference is not optional`);
      }
      const sk = e.valueFrom?.secretKeyRef;
      if (sk && !secretKeys.get(sk.name)?.has(sk.key)) problems.push(`${where}: Secret ${sk.name} key ${sk.key} is not listed in deploy/k8s/secret.example.yaml`);
    }
  }
  return problems;
}
