import type { V1Pod } from '@kubernetes/client-node';
import { LABELS, labelValue } from '../pod-builder.js';
import { RELAY_SCRIPT } from './relay-script.js';

/** The relay pod's container. */
export const RELAY_CONTAINER = 'relay';

/** Label value of `app.kubernetes.io/component` on the relay pod (gc finds it by the run's labels, like job pods). */
export const RELAY_COMPONENT = 'kact-reverse-tunnel';

export interface RelayPodSettings {
  name: string;
  namespace: string;
  runId: string;
  /** Extra labels (values are made valid label values). The run's id and `managed-by: kact` are always set. */
  labels: Record<string, string>;
  image: string;
  /** Job pods connect here (all interfaces). */
  frontPort: number;
  /** kact's port-forward connects here (loopback only). */
  backPort: number;
  /** The readiness probe's port. */
  healthPort: number;
  /** How long a front connection may wait for an idle back connection. */
  waitMs: number;
  /** A back connection kact sent nothing on for this long is dropped. */
  idleMs: number;
  /** `activeDeadlineSeconds`: when the kubelet ends the relay, should kact die without deleting it. */
  deadlineSeconds: number;
}

/**
 * The relay's deadline when the caller sets none: a day. The relay serves a whole run, and a
 * running pod's deadline can be lowered but never raised, so it has to cover the longest run kact
 * is used for, not the longest job (a run of two stages of 4-hour jobs outlives one job's 6 h
 * deadline); a run that may outlast a day passes its own (ReverseTunnelOptions.deadlineSeconds).
 */
export const RELAY_DEADLINE_SECONDS = 24 * 3600;

/**
 * The relay pod: one container running RELAY_SCRIPT with node. Labelled like a job pod (the run's
 * id, managed by kact), so `kact gc` deletes it with the run's other leftovers. Small, and as
 * locked down as the restricted Pod Security profile asks: no service account token, no Service
 * links, a non-root uid, no capabilities, a read-only root.
 */
export function buildRelayPod(settings: RelayPodSettings): V1Pod {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings.labels)) labels[key] = labelValue(value);
  labels[LABELS.runId] = labelValue(settings.runId);
  labels[LABELS.managedBy] = 'kact';
  labels['app.kubernetes.io/component'] = RELAY_COMPONENT;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: settings.name, namespace: settings.namespace, labels },
    spec: {
      // An OOM kill or a crash restarts the relay in place (same pod IP); kact's pool reconnects.
      restartPolicy: 'Always',
      // A relay left by a killed kact ends here; kact's own close (or `kact gc`) deletes it long before.
      activeDeadlineSeconds: settings.deadlineSeconds,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: RELAY_CONTAINER,
          image: settings.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', RELAY_SCRIPT, String(settings.frontPort), String(settings.backPort), String(settings.healthPort), String(settings.waitMs), String(settings.idleMs)],
          ports: [{ name: 'tunnel', containerPort: settings.frontPort, protocol: 'TCP' }],
          // A TCP probe on a port of its own: the relay listens there only once the front and back ports do.
          readinessProbe: { tcpSocket: { port: settings.healthPort }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 15 },
          resources: { requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '1', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          terminationMessagePolicy: 'FallbackToLogsOnError',
        },
      ],
    },
  };
}
