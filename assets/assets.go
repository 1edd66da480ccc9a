// Package assets holds the files compiled into the Pairwise binary: the app
// icon and the fonts of the PDF record.
package assets

import _ "embed"

// Icon is the app icon (PNG), also named in FyneApp.toml.
//
//go:embed icon.png
var Icon []byte

// Regular and Bold are DejaVu Sans, which covers Latin, Greek, Cyrillic,
// Arabic and Hebrew letters, so a PDF record keeps the names and notes
// people typed. Their licence is in DejaVu-LICENSE.txt.
var (
	//go:embed DejaVuSans.ttf
	Regular []byte
	//go:embed DejaVuSans-Bold.ttf
	Bold []byte
)
