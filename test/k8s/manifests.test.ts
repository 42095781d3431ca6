/**
 * deploy/k8s renders offline (`kubectl kustomize`) — the base, the external-PostgreSQL overlay and
 * the queue-depth autoscaling overlay — and every document is a valid Kubernetes object by the
 * API schemas (kubernetes-models). The containers' environment covers every variable the README
 * documents, through the ConfigMap or the Secret.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  environmentProblems,
  kubectlAvailable,
  parseDocuments,
  podContainers,
  readmeEnvironmentVariables,
  render,
  validateDocuments,
  type K8sDoc,
} from './manifests';

const ROOT = path.resolve(__dirname, '..', '..');
const K8S = path.join(ROOT, 'deploy', 'k8s');
const haveKubectl = kubectlAvailable();
// CI must run these; elsewhere a machine without kubectl skips them and says why.
if (!haveKubectl && process.env.CI) throw new Error('kubectl (which carries kustomize) is needed to render deploy/k8s; install it');
if (!haveKubectl) process.stderr.write('test/k8s/manifests.test.ts: skipped, kubectl is not installed\n');

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const exampleSecrets = parseDocuments(fs.readFileSync(path.join(K8S, 'secret.example.yaml'), 'utf8'), 'secret.example.yaml');

const find = (docs: K8sDoc[], kind: string, name: string) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`${kind}/${name} is not rendered (rendered: ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
  return d as K8sDoc & { spec: any };
};
const nightshiftContainer = (dep: K8sDoc) => podContainers(dep).find((c) => c.name === 'nightshift') as any;
const envOf = (dep: K8sDoc) => new Map<string, any>((nightshiftContainer(dep).env ?? []).map((e: { name: string }) => [e.name, e]));
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe.skipIf(!haveKubectl)('deploy/k8s', () => {
  const base = haveKubectl ? render(K8S) : [];

  it('renders a base whose every document is valid against the Kubernetes schemas', () => {
    expect(validateDocuments(base)).toEqual([]);
    expect(base.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/nightshift-config',
        'Deployment/nightshift-web',
        'Deployment/nightshift-worker',
        'HorizontalPodAutoscaler/nightshift-worker',
        'Ingress/nightshift',
        'NetworkPolicy/nightshift-worker',
        'PodDisruptionBudget/nightshift-web',
        'PodDisruptionBudget/nightshift-worker',
        'Service/nightshift-postgres',
        'Service/nightshift-web',
        'StatefulSet/nightshift-postgres',
      ].sort(),
    );
    expect(validateDocuments(exampleSecrets)).toEqual([]);
  });

  it('runs web processes without workers, probed on the health endpoints, with resources', () => {
    const web = find(base, 'Deployment', 'nightshift-web');
    const c = nightshiftContainer(web);
    expect(c.command).toEqual(['node', 'bin/nightshift.js', 'start']);
    expect(envOf(web).get('NIGHTSHIFT_WORKERS')).toEqual({ name: 'NIGHTSHIFT_WORKERS', value: '0' });
    expect(c.readinessProbe.httpGet.path).toBe('/api/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/api/health/live');
    const ports = new Set(c.ports.map((p: { name: string }) => p.name));
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(ports).toContain(probe.httpGet.port);
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
    expect(web.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('runs workers with `worker`, probed on their metrics listener, privileged for the bubblewrap sandbox', () => {
    const worker = find(base, 'Deployment', 'nightshift-worker');
    const c = nightshiftContainer(worker);
    expect(c.command).toEqual(['node', 'bin/nightshift.js', 'worker']);
    expect(envOf(worker).has('NIGHTSHIFT_WORKERS')).toBe(false);
    const config = find(base, 'ConfigMap', 'nightshift-config').data as Record<string, string>;
    expect(config.SANDBOX_DRIVER).toBe('bwrap');
    expect(c.securityContext.privileged).toBe(true);
    // The probes reach the port NIGHTSHIFT_METRICS_PORT opens.
    const metricsPort = c.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
    expect(String(metricsPort)).toBe(config.NIGHTSHIFT_METRICS_PORT);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/health/ready', port: 'metrics' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/api/health/live', port: 'metrics' });
    expect(c.resources.requests.cpu).toEqual(expect.any(String));
    expect(worker.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('wires Service, Ingress, autoscaler, disruption budgets and network policy to the right pods', () => {
    const web = find(base, 'Deployment', 'nightshift-web');
    const worker = find(base, 'Deployment', 'nightshift-worker');
    const webLabels = web.spec.template.metadata.labels;
    const workerLabels = worker.spec.template.metadata.labels;
    const svc = find(base, 'Service', 'nightshift-web');
    expect(matches(svc.spec.selector, webLabels)).toBe(true);
    expect(matches(svc.spec.selector, workerLabels)).toBe(false);
    const ingress = find(base, 'Ingress', 'nightshift');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('nightshift-web');
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(ingress.spec.rules[0].http.paths[0].backend.service.port.name);
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('3600');
    const hpa = find(base, 'HorizontalPodAutoscaler', 'nightshift-worker');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nightshift-worker' });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(matches(find(base, 'PodDisruptionBudget', 'nightshift-web').spec.selector.matchLabels, webLabels)).toBe(true);
    expect(matches(find(base, 'PodDisruptionBudget', 'nightshift-worker').spec.selector.matchLabels, workerLabels)).toBe(true);
    const np = find(base, 'NetworkPolicy', 'nightshift-worker');
    expect(matches(np.spec.podSelector.matchLabels, workerLabels)).toBe(true);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // Public HTTPS only: private networks and the metadata address are cut out.
    const https = np.spec.egress.find((r: any) => r.ports.some((p: any) => p.port === 443));
    expect(https.to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']));
    const postgres = find(base, 'StatefulSet', 'nightshift-postgres');
    const dbRule = np.spec.egress.find((r: any) => r.ports.some((p: any) => p.port === 5432));
    expect(matches(dbRule.to[0].podSelector.matchLabels, postgres.spec.template.metadata.labels)).toBe(true);
  });

  it('sets every variable the README documents from the ConfigMap or the Secret, in web and worker', () => {
    const documented = readmeEnvironmentVariables(readme);
    expect(documented).toEqual(expect.arrayContaining(['DATABASE_URL', 'NEXTAUTH_SECRET', 'NIGHTSHIFT_SECRET_KEY', 'PORT', 'NIGHTSHIFT_WORKERS', 'SANDBOX_DRIVER', 'LOG_LEVEL']));
    expect(environmentProblems(base, documented, exampleSecrets)).toEqual([]);
    // The in-cluster database URL is built from the Secret's password, defined before it.
    const names = [...envOf(find(base, 'Deployment', 'nightshift-worker')).keys()];
    expect(names.indexOf('POSTGRES_PASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
    // Nightshift's own shutdown ends before the kubelet's SIGKILL.
    const grace = Number((find(base, 'ConfigMap', 'nightshift-config').data as Record<string, string>).NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS);
    for (const name of ['nightshift-web', 'nightshift-worker']) {
      expect(find(base, 'Deployment', name).spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(grace);
    }
  });

  it('reports a documented variable the manifests do not set, and a Secret key nobody is told about', () => {
    const documented = readmeEnvironmentVariables(`${readme}\n| \`NIGHTSHIFT_SOMETHING_NEW\` | a new setting |\n`);
    expect(documented).toContain('NIGHTSHIFT_SOMETHING_NEW');
    const problems = environmentProblems(base, documented, exampleSecrets);
    expect(problems).toContainEqual(expect.stringMatching(/^Deployment\/nightshift-web: NIGHTSHIFT_SOMETHING_NEW \(documented in the README\) is not in the environment — add it to deploy\/k8s\/base\/env.yaml/));
    expect(problems).toContainEqual(expect.stringMatching(/^Deployment\/nightshift-worker: NIGHTSHIFT_SOMETHING_NEW \(documented in the README\) is not in the environment/));
    const withoutKey = structuredClone(exampleSecrets);
    delete (withoutKey.find((d) => d.metadata.name === 'nightshift-secrets') as any).stringData.OPENAI_API_KEY;
    expect(environmentProblems(base, readmeEnvironmentVariables(readme), withoutKey)).toContain(
      'Deployment/nightshift-web env OPENAI_API_KEY: Secret nightshift-secrets key OPENAI_API_KEY is not listed in deploy/k8s/secret.example.yaml',
    );
  });

  it('renders the external-postgres overlay: no in-cluster database, DATABASE_URL from its Secret', () => {
    const docs = render(path.join(K8S, 'overlays', 'external-postgres'));
    expect(validateDocuments(docs)).toEqual([]);
    expect(docs.some((d) => d.kind === 'StatefulSet' || d.metadata.name === 'nightshift-postgres')).toBe(false);
    for (const name of ['nightshift-web', 'nightshift-worker']) {
      const env = envOf(find(docs, 'Deployment', name));
      expect(env.get('DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'nightshift-database', key: 'DATABASE_URL' } } });
      expect(env.has('POSTGRES_PASSWORD')).toBe(false);
    }
    expect(environmentProblems(docs, readmeEnvironmentVariables(readme), exampleSecrets)).toEqual([]);
    const np = find(docs, 'NetworkPolicy', 'nightshift-worker');
    const dbRule = np.spec.egress.find((r: any) => r.ports.some((p: any) => p.port === 5432));
    expect(dbRule.to[0].ipBlock.cidr).toEqual(expect.any(String));
    expect(np.spec.egress.some((r: any) => r.to?.some((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'nightshift-postgres'))).toBe(false);
  });

  it('renders the queue-depth overlay: workers scale on nightshift_queue_depth of run-task', () => {
    const docs = render(path.join(K8S, 'overlays', 'queue-depth-autoscaling'));
    expect(validateDocuments(docs)).toEqual([]);
    const hpa = find(docs, 'HorizontalPodAutoscaler', 'nightshift-worker');
    expect(hpa.spec.metrics).toEqual([
      { type: 'External', external: { metric: { name: 'nightshift_queue_depth', selector: { matchLabels: { queue: 'run-task' } } }, target: { type: 'AverageValue', averageValue: '4' } } },
    ]);
  });

  it('fails on a broken manifest: a wrong type, a missing required field, an unknown kind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-k8s-'));
    scratch.push(dir);
    fs.cpSync(path.join(K8S, 'base'), dir, { recursive: true });
    const workerFile = path.join(dir, 'worker.yaml');
    fs.writeFileSync(workerFile, fs.readFileSync(workerFile, 'utf8').replace(/^  replicas: 2$/m, '  replicas: two'));
    const pdbFile = path.join(dir, 'pdb.yaml');
    // A selector-less budget is allowed by the API, a PDB spec's minAvailable of the wrong type is not.
    fs.writeFileSync(pdbFile, fs.readFileSync(pdbFile, 'utf8').replace('minAvailable: 1', 'minAvailable: [1]'));
    const ingressFile = path.join(dir, 'ingress.yaml');
    fs.writeFileSync(ingressFile, fs.readFileSync(ingressFile, 'utf8').replace('            pathType: Prefix\n', ''));
    fs.appendFileSync(path.join(dir, 'config.yaml'), '---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const problems = validateDocuments(render(dir));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Deployment\/nightshift-worker: .*replicas must be integer/),
        expect.stringMatching(/^PodDisruptionBudget\/nightshift-web: .*minAvailable/),
        expect.stringMatching(/^Ingress\/nightshift: .*pathType/),
        expect.stringMatching(/^Widget\/w: no schema/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});
