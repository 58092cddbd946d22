package spec

import (
	"reflect"
	"slices"
	"strings"
)

// sourceTableKeys refuses a key of table i that some source kind reads
// (TableKeysReader) but the spec's source does not: a bigquery table: under a
// files source would be ignored, which is a mistake, not a choice.
func (c *checker) sourceTableKeys(i int, t *Table) {
	if c.sourceConfig == nil {
		return // the source's kind is reported
	}
	takes := tableKeys(c.sourceConfig)
	readers := map[string][]string{} // key -> the kinds that read it
	var keys []string
	for _, k := range SourceKinds() {
		for _, key := range tableKeys(k.New()) {
			if readers[key] == nil {
				keys = append(keys, key)
			}
			readers[key] = append(readers[key], k.Name)
		}
	}
	for _, key := range keys {
		if !slices.Contains(takes, key) && tableKeySet(t, key) {
			c.report(t.Pos, []any{"tables", i, key}, "", "%s applies only to a %s source, not %s", key, strings.Join(readers[key], " or "), c.s.Source.Kind)
		}
	}
}

// tableKeys are the table keys a source config reads.
func tableKeys(cfg any) []string {
	if r, ok := cfg.(TableKeysReader); ok {
		return r.TableKeys()
	}
	return nil
}

// tableKeySet reports whether the table sets key, by the JSON keys of Table's fields.
func tableKeySet(t *Table, key string) bool {
	v := reflect.ValueOf(*t)
	for i := range v.NumField() {
		if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ","); name == key {
			return !v.Field(i).IsZero()
		}
	}
	return false
}
