// Package check decodes every object `helm template` renders from the kit's chart strictly
// into the Kubernetes API types (an unknown or misspelt field fails), and checks that the
// objects agree with one another: selectors, named ports, the ConfigMaps and Secrets they use.
//
//	RENDERED=/path/to/rendered.yaml go test ./...
package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// The kinds the chart renders, each decoded into its API type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
}

type rendered struct {
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	services     []*corev1.Service
	workloads    map[string]workload
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	pdbs         []*policyv1.PodDisruptionBudget
	totalObjects int
}

type workload struct {
	kind     string
	selector map[string]string
	pod      corev1.PodTemplateSpec
}

func decode(t *testing.T, file string) rendered {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("RENDERED: %v", err)
	}
	out := rendered{
		configMaps: map[string]*corev1.ConfigMap{},
		secrets:    map[string]*corev1.Secret{},
		workloads:  map[string]workload{},
	}
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(text), -1) {
		// YAMLToJSONStrict also rejects duplicate keys.
		data, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if string(data) == "null" {
			continue
		}
		var meta struct{ APIVersion, Kind string }
		if err := json.Unmarshal(data, &meta); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		newObject, ok := kinds[meta.APIVersion+"/"+meta.Kind]
		if !ok {
			t.Fatalf("document %d: %s %s is not a kind this check knows", i, meta.APIVersion, meta.Kind)
		}
		object := newObject()
		decoder := json.NewDecoder(bytes.NewReader(data))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(object); err != nil {
			t.Fatalf("document %d (%s): %v", i, meta.Kind, err)
		}
		out.totalObjects++
		switch o := object.(type) {
		case *corev1.ConfigMap:
			out.configMaps[o.Name] = o
		case *corev1.Secret:
			out.secrets[o.Name] = o
		case *corev1.Service:
			out.services = append(out.services, o)
		case *appsv1.Deployment:
			out.workloads[o.Name] = workload{"Deployment", o.Spec.Selector.MatchLabels, o.Spec.Template}
		case *appsv1.StatefulSet:
			out.workloads[o.Name] = workload{"StatefulSet", o.Spec.Selector.MatchLabels, o.Spec.Template}
		case *autoscalingv2.HorizontalPodAutoscaler:
			out.hpas = append(out.hpas, o)
		case *policyv1.PodDisruptionBudget:
			out.pdbs = append(out.pdbs, o)
		}
	}
	return out
}

func TestRenderedChart(t *testing.T) {
	file := os.Getenv("RENDERED")
	if file == "" {
		t.Skip("RENDERED names the output of helm template (tests/e2e/helm.test.ts sets it)")
	}
	r := decode(t, file)
	if r.totalObjects == 0 || len(r.workloads) == 0 {
		t.Fatalf("nothing rendered")
	}
	podsMatching := func(selector map[string]string) []string {
		var names []string
		for name, w := range r.workloads {
			if labels.SelectorFromSet(selector).Matches(labels.Set(w.pod.Labels)) {
				names = append(names, name)
			}
		}
		return names
	}
	for name, w := range r.workloads {
		if !labels.SelectorFromSet(w.selector).Matches(labels.Set(w.pod.Labels)) {
			t.Errorf("%s %s: its selector does not match its pods", w.kind, name)
		}
		if n := podsMatching(w.selector); len(n) != 1 {
			t.Errorf("%s %s: its selector matches the pods of %v", w.kind, name, n)
		}
		for _, c := range w.pod.Spec.Containers {
			ports := map[string]bool{}
			for _, p := range c.Ports {
				ports[p.Name] = true
			}
			for probeName, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
				if probe == nil || probe.HTTPGet == nil {
					t.Errorf("%s/%s: no HTTP %s probe", name, c.Name, probeName)
					continue
				}
				if port := probe.HTTPGet.Port.StrVal; !ports[port] {
					t.Errorf("%s/%s: %s probe port %q is not a named container port", name, c.Name, probeName, port)
				}
			}
			if c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: no memory limit", name, c.Name)
			}
			for _, e := range c.Env {
				if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil && ref.SecretKeyRef.Optional == nil {
					if s, ok := r.secrets[ref.SecretKeyRef.Name]; ok {
						if _, ok := s.StringData[ref.SecretKeyRef.Key]; !ok {
							t.Errorf("%s/%s: %s reads key %s, not in Secret %s", name, c.Name, e.Name, ref.SecretKeyRef.Key, s.Name)
						}
					}
				}
			}
		}
		for _, v := range w.pod.Spec.Volumes {
			if v.ConfigMap != nil && r.configMaps[v.ConfigMap.Name] == nil {
				t.Errorf("%s: volume %s names ConfigMap %s, not rendered", name, v.Name, v.ConfigMap.Name)
			}
		}
	}
	for _, s := range r.services {
		targets := podsMatching(s.Spec.Selector)
		if len(targets) != 1 {
			t.Errorf("Service %s selects %v", s.Name, targets)
			continue
		}
		pod := r.workloads[targets[0]].pod
		for _, p := range s.Spec.Ports {
			found := false
			for _, c := range pod.Spec.Containers {
				for _, cp := range c.Ports {
					found = found || cp.Name == p.TargetPort.StrVal
				}
			}
			if !found {
				t.Errorf("Service %s: target port %q is not a port of %s", s.Name, p.TargetPort.StrVal, targets[0])
			}
		}
	}
	for _, h := range r.hpas {
		w, ok := r.workloads[h.Spec.ScaleTargetRef.Name]
		if !ok || w.kind != h.Spec.ScaleTargetRef.Kind {
			t.Errorf("HPA %s scales %s %s, not rendered", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
		}
	}
	for _, p := range r.pdbs {
		if n := podsMatching(p.Spec.Selector.MatchLabels); len(n) != 1 {
			t.Errorf("PodDisruptionBudget %s selects %v", p.Name, n)
		}
	}
	fmt.Printf("decoded %d objects strictly\n", r.totalObjects)
}
