{{/* The prefix of every object's name: the release's name, with the chart's unless it holds it. */}}
{{- define "flowmesh.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flowmesh.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" NAME). */}}
{{- define "flowmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "flowmesh.natsUrl" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "flowmesh.fullname" . }}-nats:4222
{{- else -}}
{{- required "nats.url is required when nats.enabled is false" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{- define "flowmesh.secretName" -}}
{{- default (printf "%s-settings" (include "flowmesh.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* The monitoring URLs of the chart's NATS nodes, comma-separated (FLOWMESH_NATS_MONITOR_URL). */}}
{{- define "flowmesh.natsMonitorUrls" -}}
{{- $name := printf "%s-nats" (include "flowmesh.fullname" .) -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.nats.replicas) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s-headless.%s.svc:8222" $name $i $name $.Release.Namespace) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}
