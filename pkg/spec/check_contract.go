package spec

// contracts refuses a schema contract where nothing can drift: the generator's
// columns are its models', always.
func (c *checker) contracts() {
	if c.s.Source.Kind != "thelook" {
		return
	}
	const why = "contract applies to the files and bigquery sources: the generator's columns are always its models'"
	if c.s.Source.Contract != nil {
		c.report(c.s.Source.Pos, []any{"source", "contract"}, "", why)
	}
	for i, t := range c.s.Tables {
		if t.Contract != nil {
			c.report(t.Pos, []any{"tables", i, "contract"}, "", why)
		}
	}
}
