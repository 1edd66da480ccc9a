package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"pairwise/app/bundle"
)

// bundleCommands carry a pair's changes by file, where no relay reaches.
var bundleCommands = []command{
	{name: "bundle export", args: "PAIR", npos: 1, summary: "save the pair's changes to a file for your partner to import",
		flags: func(fs *flag.FlagSet) {
			fs.String("out", "", "the file to write (required)")
			fs.Bool("since-partner", false, "only the changes your partner is not known to have (from the last file you imported from them)")
		}, run: bundleExport},
	{name: "bundle import", args: "FILE", npos: 1, summary: "merge a file of changes from your partner and print the pair's ID", run: bundleImport},
}

func bundleExport(e *env, pos []string) error {
	if err := required(e, "out"); err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	file, sum, err := ws.ExportBundle(pos[0], e.str("since-partner") == "true")
	if err != nil {
		return err
	}
	err = e.writeOut(e.str("out"), func(w io.Writer) error { _, err := w.Write(file); return err })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Saved to %s: %s. Only someone in the pair can open it; on their computer: pairwise bundle import FILE\n", e.str("out"), sum.Saved())
	return nil
}

func bundleImport(e *env, pos []string) error {
	raw, err := readBounded(pos[0], bundle.MaxFileBytes)
	if err != nil {
		return err
	}
	ws, err := e.open()
	if err != nil {
		return err
	}
	sum, err := ws.ImportBundle(raw)
	if err != nil {
		return err
	}
	e.println(sum.Pair)
	name := sum.Title
	if name == "" {
		name = "The pair"
	}
	fmt.Fprintf(e.stderr, "%s: %s.\n", name, sum.Arrived())
	return nil
}

// readBounded reads a whole file of at most max bytes.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if int64(len(raw)) > max {
		return nil, fmt.Errorf("%s is larger than any file of changes can be (%d MB); check that you chose the right file", path, max>>20)
	}
	return raw, nil
}
