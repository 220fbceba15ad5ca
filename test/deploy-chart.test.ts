// The Olares app package (deploy/olares): the chart rendered by scripts/render-chart.ts with the
// values a box injects, every object validated against the Kubernetes schemas
// (kubernetes-models), and the facts the app depends on checked: probes, no secret value in the
// Deployment, the manifest's entrances on the Services' ports, the image tag = package version.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { renderChart, renderTemplate, TemplateError } from '../scripts/render-chart.js';
import { parseYaml, parseYamlDocuments, type Yaml } from '../scripts/yaml-lite.js';

const ROOT = join(import.meta.dirname, '..');
const CHART = join(ROOT, 'deploy', 'olares');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const key = () => randomBytes(32).toString('base64');
/** What a box injects, plus the keys the installer must supply. */
const SAMPLE = {
  bfl: { username: 'alice' },
  user: { zone: 'alice.olares.test' },
  domain: { mcp: '7f3a1c2e.alice.olares.test', connect: 'b81d6a90.alice.olares.test' },
  redis: { host: 'redis-cluster-proxy.os-platform', port: 6379, password: `p"w#${key()}` },
  secrets: { tokenKey: key(), stateKey: key() },
  auth: { issuer: 'https://auth.alice.olares.test' },
};

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: any };

function render(values: Yaml = SAMPLE as unknown as Yaml): K8sObject[] {
  return renderChart(CHART, [values]).flatMap((t) => parseYamlDocuments(t.text)) as K8sObject[];
}

const VALIDATORS: Record<string, (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': (o) => new Deployment(o),
  'v1/Service': (o) => new Service(o),
  'v1/Secret': (o) => new Secret(o),
};

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('deploy/olares chart', () => {
  const objects = render();
  const [deployment] = byKind(objects, 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const env = new Map<string, any>(container.env.map((e: any) => [e.name, e]));

  it('renders a Deployment, two Services and a Secret, each valid against the Kubernetes schema', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/olaresmcp',
      'Secret/olaresmcp-keys',
      'Service/olaresmcp',
      'Service/olaresmcp-connect',
    ]);
    for (const o of objects) {
      const make = VALIDATORS[`${o.apiVersion}/${o.kind}`];
      expect(make, `${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => make(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('the schema check can fail: a port rendered as text is refused', () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort must be integer/);
  });

  it('runs one replica by default, probes /healthz and /readyz on the endpoint host, has limits', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'mcp' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'mcp' });
    expect(container.readinessProbe.httpGet.httpHeaders).toEqual([
      { name: 'Host', value: SAMPLE.domain.mcp },
    ]);
    expect(container.resources.limits.memory).toBe('256Mi');
    expect(container.resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
  });

  it('is locked down: non-root, read-only root fs, no privilege escalation, every capability dropped', () => {
    expect(deployment.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual([
      '/tmp',
      '/var/lib/olares-mcp',
    ]);
  });

  it('maps the injected values: owner, gateway hostnames, resource URL, store (port and password quoted)', () => {
    const value = (name: string) => env.get(name)?.value;
    expect(value('OLARES_MCP_RESOURCE')).toBe(`https://${SAMPLE.domain.mcp}/mcp`);
    expect(value('OLARES_MCP_CONNECT_URL')).toBe(`https://${SAMPLE.domain.connect}`);
    expect(value('OLARES_MCP_ISSUER')).toBe(SAMPLE.auth.issuer);
    expect(value('OLARES_PROFILE')).toBe('alice');
    expect(value('OLARES_PROFILE_LOCK')).toBe('on');
    expect(value('OLARES_URL_TEMPLATE')).toBe('https://{service}.alice.olares.test');
    expect(value('OLARES_STATE')).toBe('redis');
    expect(value('OLARES_REDIS_HOST')).toBe(SAMPLE.redis.host);
    expect(value('OLARES_REDIS_PORT')).toBe('6379');
    for (const name of ['OLARES_REDIS_PASSWORD', 'OLARES_MCP_TOKEN_KEY', 'OLARES_MCP_STATE_KEY'])
      expect(env.get(name)?.valueFrom?.secretKeyRef, name).toEqual({ name: 'olaresmcp-keys', key: name });
  });

  it('keeps every secret value out of the Deployment and puts it, intact, in the Secret', () => {
    const text = JSON.stringify(deployment);
    const secrets = [SAMPLE.redis.password, SAMPLE.secrets.tokenKey, SAMPLE.secrets.stateKey];
    for (const s of secrets) expect(text).not.toContain(s);
    const [secret] = byKind(objects, 'Secret');
    expect(secret.stringData).toEqual({
      OLARES_MCP_TOKEN_KEY: SAMPLE.secrets.tokenKey,
      OLARES_MCP_STATE_KEY: SAMPLE.secrets.stateKey,
      OLARES_REDIS_PASSWORD: SAMPLE.redis.password,
    });
    expect(Buffer.from(secret.stringData.OLARES_MCP_TOKEN_KEY, 'base64')).toHaveLength(32);
  });

  it('leaves OLARES_MCP_ISSUER out when no issuer is given', () => {
    const [d] = byKind(render({ ...SAMPLE, auth: { issuer: '' } } as unknown as Yaml), 'Deployment');
    const names = d.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names).not.toContain('OLARES_MCP_ISSUER');
    expect(names).toContain('OLARES_MCP_RESOURCE');
  });

  it("uses the image tag of package.json's version", () => {
    expect(container.image).toBe(`ghcr.io/olares-mcp/olares-mcp:${pkg.version}`);
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as any;
    expect(chart.appVersion).toBe(pkg.version);
  });
});

describe('OlaresManifest.yaml', () => {
  const manifest = parseYaml(readFileSync(join(CHART, 'OlaresManifest.yaml'), 'utf8')) as any;
  const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as any;
  const services = byKind(render(), 'Service');

  it('declares each entrance on a Service port, the endpoint public and the connect page private', () => {
    const entrances = manifest.entrances.map((e: any) => [e.name, e.authLevel]);
    expect(entrances).toEqual([
      ['mcp', 'public'],
      ['connect', 'private'],
    ]);
    for (const entrance of manifest.entrances) {
      const service = services.find((s) => s.metadata.name === entrance.host);
      expect(service, entrance.host).toBeDefined();
      expect(service?.spec.ports.map((p: any) => p.port)).toContain(entrance.port);
    }
    expect(manifest.entrances[0].host).not.toBe(manifest.entrances[1].host);
  });

  it('agrees with Chart.yaml, requests the store, and cites the manifest version', () => {
    expect(manifest['olaresManifest.version']).toBe('0.11.0');
    expect(manifest.metadata.name).toBe(chart.name);
    expect(manifest.metadata.name).toMatch(/^[a-z][a-z0-9]{0,29}$/);
    expect(manifest.metadata.version).toBe(chart.version);
    expect(manifest.spec.versionName).toBe(pkg.version);
    expect(Object.keys(manifest.middleware)).toEqual(['redis']);
    expect(manifest.spec.limitedMemory).toBe('256Mi');
  });
});

describe('scripts/render-chart.ts (the template subset)', () => {
  const ctx = {
    Values: { a: { b: 'x"y' }, n: 0, list: [1] },
    Release: { Name: 'r', Namespace: 'ns' },
  } as any;

  it('prints values, quotes both ways, trims, and keeps or drops if-blocks by Go truth', () => {
    const text =
      'v: {{ .Values.a.b }}\nq: {{ .Values.a.b | quote }}\nr: {{ quote .Release.Name }}\n{{- if .Values.n }}\nzero: yes\n{{- end }}\n{{- if .Values.list }}\nlist: yes\n{{- end }}\n';
    expect(renderTemplate(text, ctx, 't')).toBe('v: x"y\nq: "x\\"y"\nr: "r"\nlist: yes\n');
  });

  it('refuses what it does not support and values that are not set, naming file and line', () => {
    expect(() => renderTemplate('a\n{{ include "x" . }}', ctx, 'f.yaml')).toThrow(
      /f\.yaml:2: .*outside the subset/,
    );
    expect(() => renderTemplate('{{ .Values.missing }}', ctx, 'f.yaml')).toThrow(
      /\.Values\.missing is not set/,
    );
    expect(() => renderTemplate('{{ .Values.a }}', ctx, 'f.yaml')).toThrow(TemplateError);
    expect(() => renderTemplate('{{ if .Values.n }}', ctx, 'f.yaml')).toThrow(/without \{\{ end \}\}/);
    expect(() => renderTemplate('{{ end }}', ctx, 'f.yaml')).toThrow(/without \{\{ if \}\}/);
  });

  it('the YAML reader refuses what it does not read (anchors, block scalars)', () => {
    expect(() => parseYaml('a: &x 1')).toThrow(/outside the supported YAML subset/);
    expect(() => parseYaml('a: |\n  text')).toThrow(/outside the supported YAML subset/);
    expect(() => parseYaml('a: 1\na: 2')).toThrow(/duplicate key/);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds dist/ with npm ci and npm run build, then runs it as a non-root user with serve --http', () => {
    const stages = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(stages.every((image) => /^node:(20|22)-slim$/.test(image))).toBe(true);
    expect(text).toMatch(/RUN npm ci\nCOPY \. \.\nRUN npm run build/);
    expect(text).toMatch(/npm ci --omit=dev/);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('COPY --from=build /src/dist ./dist');
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/cli.js", "serve", "--http", "--host", "0.0.0.0"]');
  });
});
