package s3sink

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecomrun/ecomrun/internal/failpoint"
	"github.com/ecomrun/ecomrun/pkg/stages"
)

var _ stages.Pruner = (*sink)(nil)

// Prune removes a table's folder: the manifest first, then every object of this
// sink's layout under it. A reader starts from the manifest, so once it is gone no
// reader starts on the table, and no manifest ever lists an object that is gone
// (deleting the objects first would publish a manifest of missing objects until the
// end). A prune cut short leaves only unlisted objects, which the next prune finds
// by listing the folder.
func (s *sink) Prune(ctx context.Context, run *stages.Run, table string) error {
	if err := s.credentials(ctx); err != nil {
		return err
	}
	folder := s.prefix + table + "/"
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(folder + ManifestName)})
	if err != nil {
		return fmt.Errorf("delete %s: %w", s.url(folder+ManifestName), s.explain(err))
	}
	failpoint.Hit("sink." + s.name + "." + table + ".prune")
	keys, err := s.strays(ctx, folder, nil)
	if err != nil {
		return err
	}
	return s.deleteKeys(ctx, keys)
}
