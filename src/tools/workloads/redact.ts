// A Kubernetes object made safe to show: env values, env sources and secret references go, as
// cluster_pod_get withholds them, and so does the annotation kubectl apply leaves behind (it holds
// the applied manifest, env values included). managedFields is bookkeeping nobody reads.
const REDACTED = '<redacted>';
const SECRET_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const DROPPED = new Set(['managedFields', 'secretKeyRef']);

type Json = unknown;

function redactEnv(env: Json[]): Json[] {
  return env.map((e) => {
    const entry = (e ?? {}) as Record<string, Json>;
    const from = entry.valueFrom ? { valueFrom: REDACTED } : {};
    const value = entry.value !== undefined ? { value: REDACTED } : {};
    return { name: entry.name, ...value, ...from };
  });
}

function redactAnnotations(a: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, SECRET_ANNOTATIONS.has(k) ? REDACTED : v]));
}

/** A deep copy of `value` without any secret value; `counted` learns what was withheld. */
export function redact(value: Json, counted: Set<string> = new Set()): Json {
  if (Array.isArray(value)) return value.map((v) => redact(v, counted));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    if (DROPPED.has(k)) continue;
    if (k === 'env' && Array.isArray(v)) {
      counted.add('env values');
      out[k] = redactEnv(v);
    } else if (k === 'envFrom' && Array.isArray(v)) {
      counted.add('env sources');
      out[k] = v.map(() => REDACTED);
    } else if (k === 'annotations' && v && typeof v === 'object' && !Array.isArray(v)) {
      const a = v as Record<string, Json>;
      if (Object.keys(a).some((x) => SECRET_ANNOTATIONS.has(x))) counted.add('last-applied-configuration');
      out[k] = redactAnnotations(a);
    } else out[k] = redact(v, counted);
  }
  return out;
}
