package stages

// The jsonl sink writes newline-delimited JSON: one <table>.jsonl per table under
// its path, one object per row, keyed by column name (and <table>.quarantine.jsonl
// for the rows set aside). It is a folder sink like csv and parquet, so the folder,
// its manifest, the atomic publish and the incremental tables' row order are
// theirs (registerFolderSink); DuckDB's COPY writes the JSON, its read_json reads
// it back.
func init() {
	registerFolderSink("jsonl", "one <table>.jsonl file per table under path, one JSON object per row, with a _manifest.json", "FORMAT json", true)
}
