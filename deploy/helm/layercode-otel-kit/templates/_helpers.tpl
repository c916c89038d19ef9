{{/* Names: <release>-<chart> unless overridden, then -agent, -gateway, -sampler. */}}
{{- define "kit.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kit.labels" -}}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "agent") */}}
{{- define "kit.selector" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kit.agentSecret" -}}
{{- default (printf "%s-agent" (include "kit.fullname" .)) .Values.agent.secret.existingSecret -}}
{{- end -}}

{{/* The samplers' headless Service: its DNS name answers with every ready sampler's address. */}}
{{- define "kit.samplerHost" -}}
{{- printf "%s-sampler.%s.svc.cluster.local" (include "kit.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* The collector configs, in the order each tier passes them (later files override). */}}
{{- define "kit.collectorArgs" -}}
- --config=/etc/otelcol/config.yaml
- --config=/etc/otelcol/{{ .tier }}.yaml
- --config=/etc/otelcol/kubernetes.yaml
{{- end -}}

{{/* Environment both collector tiers share: (dict "root" $ "tier" .Values.collector.gateway) */}}
{{- define "kit.collectorEnv" -}}
- name: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
  value: {{ .root.Values.agent.captureMessageContent | quote }}
- name: GOMEMLIMIT
  value: {{ .tier.goMemLimit | quote }}
{{- with .root.Values }}
{{- if eq .backends.mode "grafanaCloud" }}
- name: GRAFANA_CLOUD_OTLP_AUTH
  valueFrom:
    secretKeyRef:
      name: {{ .backends.grafanaCloud.existingSecret }}
      key: {{ .backends.grafanaCloud.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The collectors' probes: the health_check extension of collector/config.yaml. */}}
{{- define "kit.collectorProbes" -}}
livenessProbe:
  httpGet: { path: /, port: health }
  periodSeconds: 10
readinessProbe:
  httpGet: { path: /, port: health }
  periodSeconds: 5
{{- end -}}

{{- define "kit.collectorSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{- define "kit.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
{{- end -}}
