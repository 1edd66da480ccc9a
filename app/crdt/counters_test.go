package crdt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"
)

// sleb and uleb encode LEB128 numbers as Automerge's columns hold them.
func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func uleb(v uint64) []byte {
	var out []byte
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// A delta column adds up its differences across runs, literal runs and
// nulls; each value it reaches is checked, and a counter past 32 bits,
// however it is reached, is refused without a panic or a long loop.
func TestDeltaColumnsAddUpAndRefuseCountersPast32Bits(t *testing.T) {
	col := slices.Concat(
		sleb(3), sleb(5), // 5, 10, 15
		sleb(0), uleb(2), // two nulls
		sleb(-2), sleb(1), sleb(-4), // 16, 12
	)
	var got []int64
	if err := deltaInts(bytes.NewReader(col), func(v int64) error { got = append(got, v); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []int64{5, 15, 16, 12}; !slices.Equal(got, want) { // a run's first and last stand for it
		t.Fatalf("checked %v, want %v", got, want)
	}
	for name, col := range map[string][]byte{
		"one big difference":      slices.Concat(sleb(1), sleb(math.MaxUint32+1)),
		"a long run":              slices.Concat(sleb(1<<40), sleb(1)),
		"a run that overflows":    slices.Concat(sleb(math.MaxInt64), sleb(math.MaxInt64)),
		"below zero":              slices.Concat(sleb(-2), sleb(1), sleb(-2)),
		"the smallest count":      slices.Concat(sleb(math.MinInt64), sleb(1)),
		"a literal run cut short": slices.Concat(sleb(-1000000), sleb(1)),
		"a truncated number":      {0x81},
	} {
		err := deltaInts(bytes.NewReader(col), fits32)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := rleInts(bytes.NewReader(slices.Concat(sleb(2), uleb(math.MaxUint32+7))), false, fits32); !errors.Is(err, errCounter) {
		t.Fatalf("a ULEB counter past 32 bits: %v, want errCounter", err)
	}
}

// The change a test once found (a mutated counter of 17,157,886,595) made
// Automerge stop the whole process; it is refused before Automerge reads
// it, through every door. (FuzzIngest's corpus holds it too.) It also
// names an actor past its table of actors, which stops Automerge as well
// and is checked first; TestColumnsAutomergeTrustsAreChecked has a change
// with only the counter wrong.
func TestAChangeWithACounterPast32BitsIsRefused(t *testing.T) {
	bad, err := hex.DecodeString("856f4a83593764f201a102014c118c49df80f46e071afab13d552f4d1141bca8" +
		"0c7a7e485ceff3ca28b95bf810415dc0693a7a43be96ce94e64110e48e03db04" +
		"000465646974000b010302031103130d34034205560557077005710b7306b302" +
		"00b30202b302007faf02ab02017ed47dd9040501ac0207ac02030701ac020007" +
		"1620656469746564ac02010700ac02007faf02ab0201856f4a8398df821d018b" +
		"01014c118c49df80f46e071afab13d552f4d1141bca80c7a7e485ceff3ca28b9" +
		"5bf810415dc0693a7a43be96ce94e64110e48e03db04000465646974000b0103" +
		"02031103130d3403420556055707700571037306b30200b30202b302007faf02" +
		"ab02017ed47dd9040501ac0207ac02030701ac0200071620656469746564ac02" +
		"010700ac02007faf02ab0201")
	if err != nil {
		t.Fatal(err)
	}
	saved, _, _ := ingestSeed(t)
	d, err := Load(saved, NewActor())
	if err != nil {
		t.Fatal(err)
	}
	heads := d.Heads()
	for door, err := range map[string]error{
		"load":  func() error { _, err := Load(bad, NewActor()); return err }(),
		"apply": d.ApplyChanges(bad),
		"merge": func() error { _, err := MergeSavedInto(d, bad); return err }(),
	} {
		if !errors.Is(err, ErrCorrupt) || !errors.Is(err, errCounter) && !errors.Is(err, errActor) {
			t.Errorf("%s: %v, want it refused as corrupt for its counter or its actor", door, err)
		}
	}
	if !slices.Equal(d.Heads(), heads) {
		t.Fatal("the document moved")
	}
}
