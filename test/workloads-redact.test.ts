// What cluster_describe shows: every env value, env source, secret reference and kubectl's
// last-applied manifest withheld wherever they sit in an object, and YAML that quotes whatever
// could read as another type or as YAML syntax.
import { describe, expect, it } from 'vitest';
import { redact } from '../src/tools/workloads/redact.js';
import { toYaml } from '../src/tools/workloads/yaml.js';

const container = (name: string) => ({
  name,
  image: `beclab/${name}:1`,
  env: [
    { name: 'PLAIN', value: 'hunter2' },
    { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    { name: 'EMPTY' },
  ],
  envFrom: [{ secretRef: { name: 'all-the-keys' } }, { configMapRef: { name: 'settings' } }],
});

describe('redact', () => {
  it('withholds env values, env sources, secret references and the applied manifest at any depth', () => {
    const cronjob = {
      metadata: {
        name: 'backup',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"env":[{"value":"hunter2"}]}',
          'kubesphere.io/creator': 'alice',
        },
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: {
                initContainers: [container('init')],
                containers: [container('main')],
                volumes: [{ name: 'creds', secret: { secretName: 'db' }, csi: { secretKeyRef: 'x' } }],
              },
            },
          },
        },
      },
    };
    const withheld = new Set<string>();
    const out = redact(cronjob, withheld) as any;
    const text = JSON.stringify(out);
    for (const secret of ['hunter2', 'secretKeyRef', 'all-the-keys', 'managedFields'])
      expect(text, secret).not.toContain(secret);
    const main = out.spec.jobTemplate.spec.template.spec.containers[0];
    expect(main.env).toEqual([
      { name: 'PLAIN', value: '<redacted>' },
      { name: 'FROM_SECRET', valueFrom: '<redacted>' },
      { name: 'EMPTY' },
    ]);
    expect(main.envFrom).toEqual(['<redacted>', '<redacted>']);
    expect(out.spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value).toBe('<redacted>');
    expect(out.metadata.annotations).toEqual({
      'kubectl.kubernetes.io/last-applied-configuration': '<redacted>',
      'kubesphere.io/creator': 'alice',
    });
    expect([...withheld].sort()).toEqual(['env sources', 'env values', 'last-applied-configuration']);
    expect(cronjob.spec.jobTemplate.spec.template.spec.containers[0].env[0].value).toBe('hunter2');
  });

  it('leaves an object without secrets as it was and says nothing was withheld', () => {
    const node = { metadata: { name: 'olares', labels: { a: '' } }, status: { capacity: { cpu: '16' } } };
    const withheld = new Set<string>();
    expect(redact(node, withheld)).toEqual(node);
    expect(withheld.size).toBe(0);
  });
});

describe('toYaml', () => {
  it('writes block YAML, quoting strings that would read as numbers, booleans, null or syntax', () => {
    const yaml = toYaml({
      kind: 'Pod',
      metadata: { name: 'n8n-abc', labels: { 'app.kubernetes.io/name': 'n8n', empty: '' } },
      spec: {
        containers: [
          { name: 'n8n', args: ['--port', '5678', 'yes', 'a: b', '# not a comment', 'null'], ports: [] },
        ],
        nodeSelector: {},
      },
      status: { podIP: '10.233.64.7', ready: true, restarts: 0, startedAt: null },
    });
    expect(yaml).toBe(
      [
        'kind: Pod',
        'metadata:',
        '  name: n8n-abc',
        '  labels:',
        '    app.kubernetes.io/name: n8n',
        '    empty: ""',
        'spec:',
        '  containers:',
        '    - name: n8n',
        '      args:',
        '        - "--port"',
        '        - "5678"',
        '        - "yes"',
        '        - "a: b"',
        '        - "# not a comment"',
        '        - "null"',
        '      ports: []',
        '  nodeSelector: {}',
        'status:',
        '  podIP: "10.233.64.7"',
        '  ready: true',
        '  restarts: 0',
        '  startedAt: null',
        '',
      ].join('\n'),
    );
  });

  it('nests lists of lists and writes a bare scalar on one line', () => {
    expect(toYaml([['a', 'b'], []])).toBe('- - a\n  - b\n- []\n');
    expect(toYaml('x')).toBe('x\n');
    expect(toYaml('line one\nline two')).toBe('"line one\\nline two"\n');
  });
});
