package explore

import (
	"context"
	"os"
	"testing"
)

func runBuiltin(t *testing.T, defects []string, mod func(*Options)) *Result {
	t.Helper()
	b, err := StartBuiltin(defects)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	opts := b.Options()
	opts.Seed, opts.Steps, opts.verify = 1, 2000, true
	if mod != nil {
		mod(&opts)
	}
	res, err := Explore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestGoodMockHasNoDivergence(t *testing.T) {
	res := runBuiltin(t, nil, func(o *Options) { o.Strict = true })
	res.Print(os.Stdout)
	if res.Divergence != nil {
		t.Fatalf("divergence on the good mock: %s", res.Divergence.What)
	}
}
