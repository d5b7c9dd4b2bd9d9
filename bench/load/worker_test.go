package load

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestWorkerSpecCarriesTheRun: a worker runs what its parent was told.
// Every field of a Config reaches the worker's Config through its spec
// and its JSON, but those the parent keeps by design: its keys, the
// server's process, the agents' setup (sent as Setup) and what only the
// parent does with a run. A field added to Config and forgotten in the
// spec fails here.
func TestWorkerSpecCarriesTheRun(t *testing.T) {
	parentOnly := map[string]bool{
		"AdminKey": true, "Agents": true, "Capacity": true, "EmailCapacity": true, // the parent creates the agents
		"SkipSimulation": true, "ServerPID": true, "Progress": true, "ServerPprof": true, // the parent's report
		"Setup": true, "Worker": true, // set for each worker
		"Hold": true, "Visitors": true, "release": true, "held": true, // a hold run's, below
	}
	cfg := Config{}
	v := reflect.ValueOf(&cfg).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		if parentOnly[name] {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString("x-" + name)
		case reflect.Int:
			f.SetInt(int64(3 + i))
		case reflect.Int64: // a time.Duration
			f.SetInt(int64(time.Duration(i+1) * time.Second))
		case reflect.Uint64:
			f.SetUint(uint64(7 + i))
		case reflect.Float64:
			f.SetFloat(float64(i+1) / 100)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"en", "es"}))
		default:
			t.Fatalf("Config.%s: a %s this test does not fill", name, f.Kind())
		}
	}
	raw, err := json.Marshal(specFor(cfg, &Setup{Workspace: "w"}, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	var spec workerSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	got := reflect.ValueOf(spec.config())
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if !parentOnly[name] && !reflect.DeepEqual(got.Field(i).Interface(), v.Field(i).Interface()) {
			t.Errorf("Config.%s: the worker runs %v, the parent was told %v", name, got.Field(i), v.Field(i))
		}
	}
	if c := spec.config(); c.Setup == nil || c.Setup.Workspace != "w" || c.Worker != 1 {
		t.Errorf("the worker's setup %+v, number %d", c.Setup, c.Worker)
	}
}
