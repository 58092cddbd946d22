package spec

// contracts refuses a schema contract where nothing can drift: a source whose
// columns are always its models' (FixedColumns: the generator).
func (c *checker) contracts() {
	if !fixedColumns(c.sourceConfig) {
		return
	}
	why := "contract does not apply to a " + c.s.Source.Kind + " source: its columns are always its models'"
	if c.s.Source.Contract != nil {
		c.report(c.s.Source.Pos, []any{"source", "contract"}, "", "%s", why)
	}
	for i, t := range c.s.Tables {
		if t.Contract != nil {
			c.report(t.Pos, []any{"tables", i, "contract"}, "", "%s", why)
		}
	}
}

func fixedColumns(config SourceConfig) bool {
	f, ok := config.(FixedColumns)
	return ok && f.FixedColumns()
}
