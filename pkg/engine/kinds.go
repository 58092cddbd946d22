package engine

// The source and sink kinds that live in packages of their own register
// themselves when imported; importing them here puts them in every binary.
import (
	_ "github.com/ecomrun/ecomrun/pkg/stages/bigquery"
	_ "github.com/ecomrun/ecomrun/pkg/stages/dbsink"
	_ "github.com/ecomrun/ecomrun/pkg/stages/s3sink"
)
