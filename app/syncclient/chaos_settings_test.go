package syncclient

// How many chaos seeds run, from which, and how long each schedule may be:
// flags and environment variables (see chaos_test.go and
// chaos_instances_test.go), or each test's defaults.

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

var (
	chaosSeedFlag  = flag.String("seed", "", "run only this chaos seed (or set PAIRWISE_SEED)")
	chaosSeedsFlag = flag.Int("chaos.seeds", 0, "how many chaos seeds to run (or PAIRWISE_CHAOS_SEEDS; default 250, 25 with -short)")
	chaosFirstFlag = flag.Int64("chaos.first", 0, "first chaos seed (or PAIRWISE_CHAOS_FIRST; default 1)")
	chaosStepsFlag = flag.Int("chaos.steps", 0, "most steps in one seed's schedule (or PAIRWISE_CHAOS_STEPS; default 60)")
)

const chaosMinSteps = 20

type chaosConfig struct {
	seeds    []int64
	maxSteps int
	replay   bool
}

// chaosKnobs are where a chaos test reads how many seeds to run, from
// which, and how long each schedule may be, and what it runs by default.
type chaosKnobs struct {
	seeds, steps       *int
	first              *int64
	env                string // prefix of the environment variables: env+"_SEEDS" …
	defSeeds, defShort int64
	defSteps           int64
}

var chaosOneInstance = chaosKnobs{seeds: chaosSeedsFlag, steps: chaosStepsFlag, first: chaosFirstFlag,
	env: "PAIRWISE_CHAOS", defSeeds: 250, defShort: 25, defSteps: 60}

func chaosSettings(t *testing.T, k chaosKnobs) chaosConfig {
	num := func(flagVal int64, env string, def int64) int64 {
		if flagVal != 0 {
			return flagVal
		}
		if s := os.Getenv(env); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%s=%q: want a number", env, s)
			}
			return n
		}
		return def
	}
	cfg := chaosConfig{maxSteps: int(num(int64(*k.steps), k.env+"_STEPS", k.defSteps))}
	cfg.maxSteps = max(cfg.maxSteps, chaosMinSteps)
	seed := *chaosSeedFlag
	if seed == "" {
		seed = os.Getenv("PAIRWISE_SEED")
	}
	if seed != "" {
		n, err := strconv.ParseInt(seed, 10, 64)
		if err != nil {
			t.Fatalf("seed %q: want a number", seed)
		}
		cfg.seeds, cfg.replay = []int64{n}, true
		return cfg
	}
	def := k.defSeeds
	if testing.Short() {
		def = k.defShort
	}
	n, first := num(int64(*k.seeds), k.env+"_SEEDS", def), num(*k.first, k.env+"_FIRST", 1)
	for i := range n {
		cfg.seeds = append(cfg.seeds, first+i)
	}
	return cfg
}
