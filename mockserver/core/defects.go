package core

// Defects is the set of deliberate rule breaks switched on (docs/DEFECTS.md).
// The store consults it at a few points only; a nil set means a correct mock.
type Defects map[string]bool

// Has reports whether the named defect is on.
func (d Defects) Has(name string) bool { return d[name] }

// The defects the core implements; the HTTP layer handles the others.
const (
	PagOffsetCursor          = "pag-offset-cursor"
	PagNextCursorOnLastPage  = "pag-next-cursor-on-last-page"
	PagListsClaimed          = "pag-lists-claimed"
	PagOldestFirst           = "pag-oldest-first"
	PagCategoryFirstPageOnly = "pag-category-first-page-only"
	PagBadCursorRestarts     = "pag-bad-cursor-restarts"
	BidDoubleAllowed         = "bid-double-allowed"
	BidOnClaimedAllowed      = "bid-on-claimed-allowed"
	BidNonpositivePrice      = "bid-nonpositive-price"
	IdemReuseAllowed         = "idem-reuse-allowed"
	PDQG040Rejected          = "pdqg-040-rejected"
	PDQG065Pass              = "pdqg-065-pass"
	DeliverTwiceAllowed      = "deliver-twice-allowed"
	DeliverByOtherAgent      = "deliver-by-other-agent"
	DeliverEmptyScored       = "deliver-empty-scored"
	ResubmitTwice            = "resubmit-twice"
	ResubmitNoDeadline       = "resubmit-no-deadline"
	ResubmitFailStaysFailed  = "resubmit-fail-stays-failed"
	ResubmitNoDeadlineField  = "resubmit-no-deadline-field"
	TracesNewestFirst        = "traces-newest-first"
	TracesMetadataDropped    = "traces-metadata-dropped"
	TracesVisibleToOthers    = "traces-visible-to-others"
	ProgressAfterDelivery    = "progress-after-delivery"
)
