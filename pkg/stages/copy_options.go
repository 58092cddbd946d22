package stages

// CopyOptions returns the COPY options the csv and parquet sinks write a format
// with ("" for another format), so a comparison such as the benchmark's bare-DuckDB
// baseline writes exactly the files the sinks do.
func CopyOptions(format string) string { return copyOptions[format] }
